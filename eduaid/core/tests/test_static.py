from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from eduaid.conftest import Cast


@pytest.fixture
def collected(settings: Any, tmp_path: Path) -> Path:
    """The production static storage (hashed names, manifest) over a fresh collectstatic."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    return tmp_path


def test_collected_pages_render_with_hashed_vendored_files(client: Any, cast: Cast, collected: Path) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min." in html
    client.force_login(cast.user("aid_center"))
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert "echarts.min." in response.content.decode()
    assert (collected / "staticfiles.json").exists()


def test_css_names_a_cjk_font_first() -> None:
    css = (Path(django_settings.BASE_DIR) / "static" / "eduaid" / "eduaid.css").read_text()
    family = css.split("--eduaid-font:")[1].split(";")[0]
    assert family.strip().startswith('"Noto Sans CJK SC"')


def test_no_page_loads_anything_from_another_site() -> None:
    templates = Path(django_settings.BASE_DIR) / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert "http://" not in text and "https://" not in text, path
