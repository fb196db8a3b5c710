"""Running the 比对 and keeping its findings (one run per call, findings stored per run)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from eduaid.aid.models import Entitlement, EntitlementStatus, PolicyItem
from eduaid.aid.services import entitlements_due
from eduaid.core.audit import COMMAND_LINE_ACTOR, record
from eduaid.core.bulkwork import fewer_collections
from eduaid.core.bulkwrite import insert_rows
from eduaid.core.models import AuditKind
from eduaid.matching import engine
from eduaid.matching.loaders import load_facts
from eduaid.matching.models import Finding, MatchRun
from eduaid.matching.signals import match_completed
from eduaid.registry.models import Term


def is_priced(term: Term) -> bool:
    """Whether entitlements exist for the term."""
    return Entitlement.objects.filter(term=term).exists()


def _aid_findings(
    term: Term, facts: engine.Facts, findings: list[engine.FindingData]
) -> list[engine.FindingData]:
    """漏助 and 错助 of a priced term, against the policy version in force on it."""
    eligible = {f.person_id for f in findings if f.kind == "eligible"}
    due = [
        engine.AidFact(person_id, code, want["school_id"], want["stage"], want["category"])
        for (person_id, code), want in entitlements_due(term, facts=facts).items()
    ]
    rows = (
        Entitlement.objects.filter(term=term)
        .exclude(status=EntitlementStatus.CANCELLED)
        .values_list("person_id", "item_code", "school_id", "stage", "category")
    )
    granted = [engine.AidFact(*row) for row in rows.iterator(chunk_size=5000)]
    gaps = engine.aid_gaps(facts, eligible, due, granted)
    names = dict(PolicyItem.objects.order_by("version_id").values_list("code", "name"))  # newest wins
    for gap in gaps:
        gap.detail["item_name"] = names.get(gap.code, gap.code)
    return gaps


FINDING_FIELDS = (
    "run_id",
    "kind",
    "code",
    "person_id",
    "school_id",
    "township_id",
    "village_id",
    "category",
    "stage",
    "detail",
)


def _findings_insert(run: MatchRun, findings: list[engine.FindingData]) -> None:
    """The run's findings as plain rows (a county's 12,000 Finding instances through `bulk_create`
    were half of the 比对's time); `detail` as the JSON text its JSONField stores."""
    rows = [
        (
            run.pk,
            f.kind,
            f.code,
            f.person_id,
            f.school_id,
            f.township_id,
            f.village_id,
            f.category,
            f.stage,
            json.dumps(f.detail),
        )
        for f in findings
    ]
    insert_rows(Finding, FINDING_FIELDS, rows)


@fewer_collections()
@transaction.atomic
def match_run(*, term: Term, actor: Any = None) -> MatchRun:
    facts = load_facts(term)
    findings = engine.match(facts)
    priced = is_priced(term)
    if priced:
        findings += _aid_findings(term, facts, findings)
    summary = engine.summarise(term.code, findings, priced=priced)
    run = MatchRun.objects.create(
        term=term,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else COMMAND_LINE_ACTOR,
        summary=summary,
    )
    _findings_insert(run, findings)
    record(AuditKind.MATCH, actor=actor, username=run.actor_name, obj=run, detail=summary)
    match_completed.send(sender=MatchRun, run=run, actor=actor)
    return run
