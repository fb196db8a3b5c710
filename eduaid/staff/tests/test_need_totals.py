"""The home page's coverage card counts in the database what the coverage page works out row by row."""

from __future__ import annotations

from typing import Any

from eduaid.matching.models import MatchRun
from eduaid.staff.selectors import current_run, need_totals, needs_of, totals
from eduaid.staff.services import responsibility_assign
from eduaid.staff.tests.conftest import StaffCast


def _same(user: Any, run: MatchRun | None) -> tuple[int, int]:
    counted = need_totals(user, run)
    worked_out = totals(needs_of(user, run))
    assert (counted.total, counted.assigned) == (worked_out.total, worked_out.assigned)
    return counted.total, counted.assigned


def test_counted_totals_match_the_coverage_in_every_scope(staff_cast: StaffCast) -> None:
    run = current_run()
    cast = staff_cast.cast
    users = [None, *(cast.user(r) for r in ("aid_center", "township_officer", "school_officer", "teacher"))]
    before = [_same(user, run) for user in users]
    assert before[0] == (5, 0)
    # an eligible pupil and an open case's child both gain a teacher
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.head, actor=None)
    responsibility_assign(person=staff_cast.person("out_kid"), teacher=staff_cast.head, actor=None)
    after = [_same(user, run) for user in users]
    assert after[0] == (5, 2)
    assert _same(None, None) == (2, 1)  # no run yet: the open dropout cases only
