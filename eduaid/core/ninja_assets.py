"""django-ninja's templates and static files (the API docs page), without importing django-ninja.

Listing "ninja" in INSTALLED_APPS imports the package, and with it pydantic and django.test, in every
process that sets Django up: each command of a term's cycle and each worker paid 0.12 s of CPU for it,
a fifth of its start-up, though only the API's URLs use ninja. Instead the settings add ninja's
`templates` and `static` folders (`ninja_folder`) to the template and static-file directories, and
ninja is imported with the URLconf (`eduaid.api`), whose docs page renders ninja's own template.
"""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path
from typing import Any


def ninja_folder() -> Path:
    """Where the django-ninja package lies, found without importing it."""
    spec = find_spec("ninja")
    if spec is None or spec.origin is None:
        raise RuntimeError("django-ninja is not installed: run scripts/bootstrap.")
    return Path(spec.origin).parent


def swagger_context(api: Any, openapi_url: str, settings: dict[str, Any]) -> dict[str, Any]:
    """What ninja's `ninja/swagger.html` template reads."""
    return {
        "swagger_settings": json.dumps({**settings, "url": openapi_url}, indent=1),
        "api": api,
        "add_csrf": any(getattr(auth, "csrf", False) for auth in api.auth or ()),
    }
