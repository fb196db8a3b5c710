from __future__ import annotations

import datetime as dt
from typing import Any

from eduaid.core import clock


def test_tests_run_on_the_frozen_day() -> None:
    assert clock.today() == dt.date(2024, 3, 15)
    assert clock.now().date() == dt.date(2024, 3, 15)


def test_setting_overrides_the_day_when_not_frozen(settings: Any) -> None:
    settings.EDUAID_TODAY = dt.date(2023, 9, 1)
    clock._frozen.clear()
    try:
        assert clock.today() == dt.date(2023, 9, 1)
    finally:
        clock._frozen.append(dt.date(2024, 3, 15))


def test_frozen_today_nests() -> None:
    with clock.frozen_today(dt.date(2025, 1, 1)):
        assert clock.today() == dt.date(2025, 1, 1)
    assert clock.today() == dt.date(2024, 3, 15)
