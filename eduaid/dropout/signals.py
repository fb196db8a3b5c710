"""The ledgers follow every match run: the match's audit event (written last, in the match's
transaction) triggers `cases_sync`, so that the matching app needs no knowledge of cases."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from eduaid.core.models import AuditEvent, AuditKind

log = logging.getLogger(__name__)


def sync_after_match(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.kind != AuditKind.MATCH or instance.object_type != "matchrun":
        return
    from eduaid.dropout.services import cases_sync
    from eduaid.matching.models import MatchRun

    run = MatchRun.objects.select_related("term").filter(pk=instance.object_id).first()
    if run is None:
        return
    # A failure here must not undo the match itself; `eduaid dropout_sync` can be run again.
    try:
        with transaction.atomic():
            cases_sync(run=run, actor=instance.actor)
    except Exception:
        log.exception("dropout cases could not be synced after match run %s", run.pk)
