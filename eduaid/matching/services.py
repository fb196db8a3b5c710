"""Running the 比对 and keeping its findings (one run per call, findings stored per run)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.matching import engine
from eduaid.matching.loaders import load_facts
from eduaid.matching.models import Finding, MatchRun
from eduaid.registry.models import Term

COMMAND_LINE_ACTOR = "命令行"


def is_priced(term: Term) -> bool:
    """Whether entitlements exist for the term (the pricing issue adds them)."""
    return False


@transaction.atomic
def match_run(*, term: Term, actor: Any = None) -> MatchRun:
    facts = load_facts(term)
    findings = engine.match(facts)
    summary = engine.summarise(term.code, findings, priced=is_priced(term))
    run = MatchRun.objects.create(
        term=term,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else COMMAND_LINE_ACTOR,
        summary=summary,
    )
    Finding.objects.bulk_create(
        (
            Finding(
                run=run,
                kind=f.kind,
                code=f.code,
                person_id=f.person_id,
                school_id=f.school_id,
                township_id=f.township_id,
                village_id=f.village_id,
                category=f.category,
                stage=f.stage,
                detail=f.detail,
            )
            for f in findings
        ),
        batch_size=5000,
    )
    record(AuditKind.MATCH, actor=actor, username=run.actor_name, obj=run, detail=summary)
    return run
