"""Terms: created on first mention with their default start date (DESIGN §2)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from eduaid.registry import terms
from eduaid.registry.models import Term


class TermError(ValueError):
    pass


def term_get_or_create(*, code: str, actor: Any = None) -> Term:
    """The term named `code` (e.g. 2023-2024-1), created with its default start date if new."""
    try:
        start = terms.default_start(code)
    except terms.TermCodeError as exc:
        raise TermError(
            _("“%(code)s” is not a term: write it like 2023-2024-1 (autumn) or 2023-2024-2 (spring).")
            % {"code": code}
        ) from exc
    term, _created = Term.objects.get_or_create(code=code.strip(), defaults={"start_date": start})
    return term
