import datetime as dt

import pytest

from eduaid.core.workdays import CalendarGap, is_workday, nth_workday_after, workdays_between


def test_fifth_working_day_after_the_spring_festival_notice_is_the_makeup_sunday() -> None:
    # 2024-02-05 (Mon): 6, 7, 8 are working days, 10-17 the Spring Festival, 18 (Sun) a 调休 working day
    assert nth_workday_after(dt.date(2024, 2, 5), 5) == dt.date(2024, 2, 18)


def test_an_ordinary_week_counts_monday_to_friday() -> None:
    assert nth_workday_after(dt.date(2024, 3, 8), 5) == dt.date(2024, 3, 15)


def test_an_override_turns_a_working_day_off_and_a_weekend_day_on() -> None:
    off = {dt.date(2024, 3, 11): False, dt.date(2024, 3, 16): True}
    # after Friday 8 March: 11 off, 12-15 four days, Saturday 16 the fifth, Monday 18 the sixth
    assert nth_workday_after(dt.date(2024, 3, 8), 5, off) == dt.date(2024, 3, 16)
    assert nth_workday_after(dt.date(2024, 3, 8), 6, off) == dt.date(2024, 3, 18)


def test_a_year_neither_the_package_nor_the_overrides_cover_is_an_error() -> None:
    with pytest.raises(CalendarGap) as caught:
        nth_workday_after(dt.date(2026, 12, 30), 5)
    assert caught.value.day.year == 2027
    assert is_workday(dt.date(2027, 1, 4), {dt.date(2027, 1, 4): True}) is True


def test_workdays_between_counts_both_ends() -> None:
    assert workdays_between(dt.date(2024, 3, 11), dt.date(2024, 3, 15)) == 5
    assert workdays_between(dt.date(2024, 3, 15), dt.date(2024, 3, 11)) == 0
