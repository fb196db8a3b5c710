"""Pages of a long list without counting it.

Django's `Paginator` runs `SELECT COUNT(*)` over the whole filtered list on every request, which at a
million students costs more than the page itself. A `Window` fetches one row more than it shows: that
row says whether there is a next page. The page shows "previous / next" and its own number, never a
total::

    keys = selectors.student_list(user, f).values_list("pk", flat=True)
    page = paging.window(request, keys, 50, load=selectors.students_by_pk)
    {% include "paging.html" %}

The links keep every other query parameter (the filters). A page number past the end shows an empty
page with a link back to the first one, rather than counting to find the last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.http import HttpRequest, QueryDict

T = TypeVar("T")

PAGE_PARAM = "page"
# OFFSET reads and throws away every row before the page: past this, ask for a narrower filter.
MAX_PAGE = 200


def page_number(value: str | None) -> int:
    """The page asked for: a positive integer, else 1; capped at `MAX_PAGE`."""
    text = (value or "").strip()
    if not text.isdigit():
        return 1
    return min(max(int(text), 1), MAX_PAGE)


def query_without(params: QueryDict, name: str = PAGE_PARAM) -> str:
    """The query string minus `name`, ending with "&" when not empty, ready for `?{{ base }}page=N`."""
    kept = params.copy()
    kept.pop(name, None)
    text = kept.urlencode()
    return f"{text}&" if text else ""


@dataclass(frozen=True)
class Window(Generic[T]):
    """One page of a list whose length nobody counted."""

    object_list: Sequence[T]
    number: int
    per_page: int
    more: bool  # rows follow this page
    base_query: str = ""
    param: str = PAGE_PARAM

    def __iter__(self) -> Iterator[T]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.more and self.number < MAX_PAGE

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        """1-based position of the first row shown; 0 on an empty page."""
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    @property
    def past_the_end(self) -> bool:
        """An empty page after the first: the list ended before it."""
        return self.number > 1 and not self.object_list

    @property
    def at_limit(self) -> bool:
        """The deepest page offered; the list goes on, but only a narrower filter reaches the rest."""
        return self.more and self.number >= MAX_PAGE


def fetch(rows: Any, number: int, per_page: int) -> tuple[list[Any], bool]:
    """Rows of page `number` (1-based) of a queryset or sequence, and whether more follow."""
    start = (number - 1) * per_page
    found = list(rows[start : start + per_page + 1])
    return found[:per_page], len(found) > per_page


def window(
    request: HttpRequest,
    rows: Any,
    per_page: int,
    *,
    param: str = PAGE_PARAM,
    load: Callable[[list[Any]], Sequence[Any]] | None = None,
) -> Window[Any]:
    """The page of `rows` (an ordered queryset) that `request` asks for, without counting `rows`.

    With `load`, `rows` are keys (`qs.values_list("pk", flat=True)`) and `load(keys)` returns the
    page's objects in that order: a deferred join. OFFSET still reads every row before the page, but
    only from an index, with no heap fetch and none of the per-row subqueries of the full rows."""
    number = page_number(request.GET.get(param))
    found, more = fetch(rows, number, per_page)
    if load is not None:
        found = list(load(found))
    return Window(
        object_list=found,
        number=number,
        per_page=per_page,
        more=more,
        base_query=query_without(request.GET, param),
        param=param,
    )
