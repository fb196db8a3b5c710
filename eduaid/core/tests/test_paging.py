"""Pages without counting (`core.paging`) and prefix search as an index range (`core.textsearch`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from eduaid.core import paging
from eduaid.core.textsearch import prefix_q, successor
from eduaid.registry.models import Person


@pytest.mark.parametrize(
    ("raw", "number"),
    [(None, 1), ("", 1), ("0", 1), ("-3", 1), ("abc", 1), ("2", 2), (" 7 ", 7), ("999999", paging.MAX_PAGE)],
)
def test_page_number_is_a_positive_integer_capped(raw: str | None, number: int) -> None:
    assert paging.page_number(raw) == number


def test_links_keep_every_other_parameter() -> None:
    assert paging.query_without(QueryDict("q=%E5%BC%A0&school=3&page=4&stage=a&stage=b")) == (
        "q=%E5%BC%A0&school=3&stage=a&stage=b&"
    )
    assert paging.query_without(QueryDict("page=2")) == ""


@pytest.mark.parametrize(
    ("number", "shown", "has_next", "has_previous"),
    [
        (1, [0, 1, 2, 3], True, False),
        (2, [4, 5, 6, 7], True, True),
        (3, [8, 9], False, True),
        (4, [], False, True),
    ],
)
def test_a_window_knows_its_neighbours_from_one_extra_row(
    number: int, shown: list[int], has_next: bool, has_previous: bool
) -> None:
    request = RequestFactory().get("/", {"page": str(number), "q": "x"})
    page = paging.window(request, list(range(10)), per_page=4)
    assert list(page) == shown
    assert (page.has_next, page.has_previous) == (has_next, has_previous)
    assert page.base_query == "q=x&"
    assert page.past_the_end == (number == 4)
    if shown:
        assert (page.start_index, page.end_index) == (shown[0] + 1, shown[-1] + 1)


def test_the_deepest_page_offered_says_the_list_goes_on() -> None:
    request = RequestFactory().get("/", {"page": paging.MAX_PAGE})
    page = paging.window(request, range(paging.MAX_PAGE * 2), per_page=1)
    assert page.at_limit and not page.has_next


@pytest.mark.django_db
def test_a_window_over_a_queryset_never_counts_it() -> None:
    for i in range(7):
        Person.objects.create(id_number=None, student_key=f"L{i:06d}", name=f"人{i}")
    request = RequestFactory().get("/", {"page": "2"})
    with CaptureQueriesContext(connection) as ctx:
        page = paging.window(request, Person.objects.order_by("name", "pk"), per_page=3)
    assert [p.name for p in page] == ["人3", "人4", "人5"] and page.has_next
    sql = [q["sql"].upper() for q in ctx.captured_queries]
    assert len(sql) == 1 and "COUNT(" not in sql[0] and "LIMIT 4" in sql[0]


def test_successor_is_the_least_string_past_every_extension() -> None:
    assert successor("张") == chr(ord("张") + 1)
    assert successor("ab") == "ac"
    assert successor("a\U0010ffff") == "b"
    assert successor("\ud7ff") == "\ue000"
    assert successor("") is None and successor("\U0010ffff") is None


@pytest.mark.django_db
def test_prefix_search_finds_starts_not_middles() -> None:
    names = ["张三", "张", "张𠀀明", "小张", "弡一", "强", "张%"]
    for i, name in enumerate(names):
        Person.objects.create(student_key=f"L{i:06d}", name=name)
    found = set(Person.objects.filter(prefix_q("name", "张")).values_list("name", flat=True))
    assert found == {"张三", "张", "张𠀀明", "张%"}
    assert set(Person.objects.filter(prefix_q("name", "张%")).values_list("name", flat=True)) == {"张%"}


def test_a_window_of_keys_loads_only_its_page_in_order() -> None:
    loaded: list[list[int]] = []

    def load(keys: list[int]) -> list[str]:
        loaded.append(keys)
        return [f"row{k}" for k in keys]

    request = RequestFactory().get("/", {"page": "2"})
    page = paging.window(request, list(range(100, 110)), per_page=3, load=load)
    assert list(page) == ["row103", "row104", "row105"] and page.has_next
    assert loaded == [[103, 104, 105]]  # the extra row only says there is a next page
