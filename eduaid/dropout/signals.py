"""The ledgers follow every match run: `matching.signals.match_completed` (sent inside the match's
transaction) triggers `cases_sync`, so that the matching app needs no knowledge of cases."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def sync_after_match(sender: Any, run: Any, actor: Any = None, **kwargs: Any) -> None:
    from eduaid.dropout.services import cases_sync

    # A failure here must not undo the match itself; `eduaid dropout_sync` can be run again.
    try:
        with transaction.atomic():
            cases_sync(run=run, actor=actor)
    except Exception:
        log.exception("dropout cases could not be synced after match run %s", run.pk)
