"""The template workbooks: the import's own headers, IDs kept as text, and an example row that imports."""

from __future__ import annotations

import io
from typing import Any

import pytest
import python_calamine

from eduaid.conftest import TEST_TODAY
from eduaid.org.imports import import_schools
from eduaid.uploads.models import ImportKind
from eduaid.uploads.spreadsheets import TEMPLATES, template_xlsx
from eduaid.uploads.tasks import IMPORTERS, TAKES_AS_OF

pytestmark = pytest.mark.django_db


def rows_of(data: bytes) -> list[list[Any]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


@pytest.mark.parametrize("kind", ImportKind.values)
def test_the_template_has_the_headers_and_one_example_written_as_text(kind: str) -> None:
    rows = rows_of(template_xlsx(kind))
    header = [header for header, _example in TEMPLATES[kind].columns]
    assert rows[1] == header
    assert len(rows) == 3
    assert all(isinstance(value, str) for value in rows[2])  # IDs and codes are not numbers
    assert "delete" in rows[0][0] or "删除" in rows[0][0]


@pytest.mark.parametrize("kind", ImportKind.values)
def test_the_example_row_of_each_template_is_accepted(kind: str) -> None:
    import_schools(template_xlsx(ImportKind.SCHOOLS), actor=None)  # the students' example school
    options: dict[str, Any] = {"as_of": TEST_TODAY} if kind in TAKES_AS_OF else {}
    report = IMPORTERS[kind](template_xlsx(kind), actor=None, filename="t.xlsx", dry_run=True, **options)
    assert (report.rows, report.rejected, report.duplicates) == (1, 0, 0), report.as_dict()["errors"]
