"""Django settings for EduAid, read from the environment (see README.md)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from eduaid.core.env import data_dir as _data_dir
from eduaid.core.env import (
    env_bool,
    env_county,
    env_date,
    env_int,
    env_list,
    env_str,
)
from eduaid.core.env import secret_key as _secret_key
from eduaid.core.ninja_assets import ninja_folder

BASE_DIR = Path(__file__).resolve().parent
# django-ninja's templates and static files (the API docs page), found without importing ninja: as an
# installed app it would be imported, with pydantic, by every command and worker (see ninja_assets).
NINJA_DIR = ninja_folder()
DATA_DIR = _data_dir()

SECRET_KEY = _secret_key(DATA_DIR)
DEBUG = env_bool("EDUAID_DEBUG", False)
ALLOWED_HOSTS = env_list("EDUAID_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "::1", "[::1]"])
EDUAID_COUNTY = env_county("EDUAID_COUNTY", "411728")
EDUAID_TODAY = env_date("EDUAID_TODAY")
EDUAID_HTTPS = env_bool("EDUAID_HTTPS", False)
EDUAID_UPLOAD_LIMIT_MB = env_int("EDUAID_UPLOAD_LIMIT_MB", 50)
# The rural-revitalisation department that receives the 雨露计划 referral list (DESIGN §3).
EDUAID_REFERRAL_DEPARTMENT = env_str("EDUAID_REFERRAL_DEPARTMENT", "县乡村振兴局") or "县乡村振兴局"
# Days from a term's start within which its aid counts as paid on time (及时足额).
EDUAID_PAYMENT_DAYS = env_int("EDUAID_PAYMENT_DAYS", 60)
# An import job whose worker has not reported for this long (and is not alive here) may be resumed.
EDUAID_IMPORT_STALE_SECONDS = env_int("EDUAID_IMPORT_STALE_SECONDS", 300)
# Rows an uploaded file is judged and staged in at a time (`eduaid.core.staging`); a file of fewer
# rows is judged in memory.
EDUAID_IMPORT_CHUNK_ROWS = max(1, env_int("EDUAID_IMPORT_CHUNK_ROWS", 5000))

INSTALLED_APPS = [
    "eduaid.core",
    "eduaid.org",
    "eduaid.accounts",
    "eduaid.registry",
    "eduaid.matching",
    "eduaid.aid",
    "eduaid.review",
    "eduaid.payments",
    "eduaid.staff",
    "eduaid.dropout",
    "eduaid.care",
    "eduaid.uploads",
    "eduaid.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "eduaid.accounts.middleware.MustChangePasswordMiddleware",
]

ROOT_URLCONF = "eduaid.urls"
WSGI_APPLICATION = "eduaid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "eduaid.core.context_processors.navigation",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "eduaid.sqlite3"),
            "OPTIONS": {
                # cache_size: up to 128 MiB of pages per connection (SQLite's default is 2 MiB). A
                # county's import inserts into a dozen indexes of a 100 MiB database; with the small
                # cache it kept re-reading pages: import_students 20% more CPU time.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
                    "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # A file, not memory, so that a worker process can reach the test database (one per
            # test run: the process id keeps runs in one data folder apart).
            "TEST": {"NAME": str(DATA_DIR / f"test-eduaid-{os.getpid()}.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "eduaid.accounts.passwords.MinimumLength",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "eduaid.accounts.passwords.LettersAndDigitsValidator"},
]

# Lockout after repeated failed logins (django-axes): five failures of one login name from
# one address lock that pair for 30 minutes.
AXES_FAILURE_LIMIT = env_int("EDUAID_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it even before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if EDUAID_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
