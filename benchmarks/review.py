"""The review procedure of the benchmark's term, through EduAid's own services (not timed as a step of
the cycle; the runner reports it on its own). Each action is its own process, run with the same
environment as the steps (EDUAID_DATA_DIR or DATABASE_URL, EDUAID_TODAY):

    python benchmarks/review.py confirm --term T   # 学校审核: every school confirms its computed rows
    python benchmarks/review.py publish --term T   # 公示: one notice per school from today; prints ends_on
    (eduaid notices close --json, on a day after ends_on)
    python benchmarks/review.py approve --term T   # 审批: the aid centre approves what passed

Schools confirm their own rows (a school at a time, as officers do; college rows by the centre); a held
row (two 在读 enrolments) stays computed, as on the page. The centre approves a school at a time too.
Every move goes through `entitlements_transition`: events, audit, and the ledger's entries for approval.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

CHUNK = 20_000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduaid.settings")
    import django

    django.setup()


def _by_school(term: Any, status: str, **filters: Any) -> dict[int | None, list[int]]:
    from eduaid.aid.models import Entitlement

    rows = Entitlement.objects.filter(term=term, status=status, **filters).order_by("pk")
    groups: dict[int | None, list[int]] = {}
    for pk, school_id in rows.values_list("pk", "school_id").iterator(chunk_size=5000):
        groups.setdefault(school_id, []).append(pk)
    return groups


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def confirm(term: Any) -> dict[str, Any]:
    from eduaid.aid.models import EntitlementStatus
    from eduaid.review import services

    moved = 0
    groups = _by_school(term, EntitlementStatus.COMPUTED, held=False)
    for _school, ids in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        for chunk in _chunks(ids):
            moved += len(services.entitlements_confirm(ids=chunk, actor=None, note="学校审核：已核对花名册"))
    return {"confirmed": moved, "schools": len(groups)}


def publish(term: Any) -> dict[str, Any]:
    from eduaid.aid.models import EntitlementStatus
    from eduaid.core import clock
    from eduaid.org.models import School
    from eduaid.review import services

    school_ids = list(_by_school(term, EntitlementStatus.SCHOOL_CONFIRMED))
    schools = School.objects.in_bulk([pk for pk in school_ids if pk is not None])
    chosen = [schools[pk] if pk is not None else None for pk in school_ids]
    notices = services.notices_publish(term=term, schools=chosen, starts_on=clock.today(), actor=None)
    ends_on = max(n.ends_on for n in notices) if notices else None
    return {"notices": len(notices), "ends_on": ends_on.isoformat() if ends_on else None}


def approve(term: Any) -> dict[str, Any]:
    from eduaid.aid.models import EntitlementStatus
    from eduaid.review import services

    moved = 0
    groups = _by_school(term, EntitlementStatus.NOTICE_PASSED)
    for _school, ids in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        for chunk in _chunks(ids):
            moved += len(services.entitlements_approve(ids=chunk, actor=None, note="资助审批"))
    return {"approved": moved}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("confirm", "publish", "approve"))
    parser.add_argument("--term", required=True)
    args = parser.parse_args()
    _setup()
    from eduaid.registry.models import Term

    term = Term.objects.get(code=args.term)
    result = {"confirm": confirm, "publish": publish, "approve": approve}[args.action](term)
    json.dump({"action": args.action, **result}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
