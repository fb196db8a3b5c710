"""The staff sheet: teachers, their classes and 班主任 by ID number; bad rows named by row and column."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from eduaid.core import idnumbers
from eduaid.staff.imports import import_teachers
from eduaid.staff.models import ClassHeadTeacher, Teacher
from eduaid.staff.tests.conftest import StaffCast
from eduaid.uploads.tests.factories import xlsx

HEADER = ["姓名", "身份证号", "手机号", "学校标识码", "班级", "是否班主任"]


def _id(sequence: int) -> str:
    return idnumbers.synthetic("410101", dt.date(1990, 1, 1), sequence)


def _sheet(staff_cast: StaffCast, *extra: list[str]) -> bytes:
    code = staff_cast.cast.school_a.code
    rows = [
        ["林老师", _id(501), "13912345678", code, "3年级1班", "是"],
        ["何老师", _id(503), "", code, "", "否"],
        *extra,
    ]
    return xlsx(HEADER, rows)


def test_a_sheet_creates_teachers_classes_and_head_teachers(staff_cast: StaffCast) -> None:
    report = import_teachers(_sheet(staff_cast), actor=staff_cast.cast.user("school_officer"))
    assert (report.created, report.rejected) == (2, 0)
    lin = Teacher.objects.get(id_number=_id(501))
    school_class = staff_cast.cast.school_a.classes.get(grade=3, name="1班")
    assert ClassHeadTeacher.objects.get(school_class=school_class).teacher == lin
    assert list(lin.taught.values_list("school_class_id", flat=True)) == [school_class.pk]
    again = import_teachers(_sheet(staff_cast), actor=staff_cast.cast.user("school_officer"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_bad_rows_are_rejected_cell_by_cell(staff_cast: StaffCast) -> None:
    code_b = staff_cast.cast.school_b.code
    code_a = staff_cast.cast.school_a.code
    report = import_teachers(
        _sheet(
            staff_cast,
            ["坏号", "410101199001010000", "", code_a, "", "否"],
            ["外校", _id(505), "", code_b, "", "否"],
            ["无班", _id(507), "", code_a, "9年级9班", "否"],
            ["乱写", _id(509), "12", code_a, "数学组", "也许"],
        ),
        actor=staff_cast.cast.user("school_officer"),
    )
    cells = {(e.row, e.column) for e in report.errors}
    assert cells == {
        (4, "身份证号"),
        (5, "学校标识码"),
        (6, "班级"),
        (7, "手机号"),
        (7, "班级"),
        (7, "是否班主任"),
    }
    assert report.created == 2  # the valid rows are applied
    assert not Teacher.objects.filter(name__in=["坏号", "外校", "无班", "乱写"]).exists()


def test_strict_applies_nothing_while_a_row_is_rejected(staff_cast: StaffCast) -> None:
    sheet = _sheet(staff_cast, ["外校", _id(505), "", staff_cast.cast.school_b.code, "", "否"])
    report = import_teachers(sheet, actor=staff_cast.cast.user("school_officer"), strict=True)
    assert report.rejected == 1 and not report.applied
    assert not Teacher.objects.filter(id_number=_id(501)).exists()


def test_the_page_checks_first_and_applies_on_confirmation(
    client: Any, staff_cast: StaffCast, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(staff_cast.cast.user("school_officer"))
    upload = _upload(_sheet(staff_cast))
    page = client.post(reverse("staff:teacher_import"), {"file": upload})
    html = page.content.decode()
    assert 'data-testid="import-confirm"' in html
    assert not Teacher.objects.filter(id_number=_id(501)).exists()  # a dry run
    token = client.session["staff_import"]["token"]
    response = client.post(reverse("staff:teacher_import_confirm"), {"token": token})
    assert response.status_code == 302
    assert Teacher.objects.filter(id_number__in=[_id(501), _id(503)]).count() == 2
    assert not any(tmp_path.joinpath("staff_imports").iterdir())  # the kept file is gone


def test_a_stale_confirmation_writes_nothing(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    response = client.post(reverse("staff:teacher_import_confirm"), {"token": "nope"})
    assert response.status_code == 302
    assert not Teacher.objects.filter(id_number=_id(501)).exists()


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("教师名单.xlsx", data)


def test_the_command_imports_a_sheet_and_exits_1_on_rejections(staff_cast: StaffCast, tmp_path: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "教师.xlsx"
    path.write_bytes(
        _sheet(staff_cast, ["坏号", "410101199001010000", "", staff_cast.cast.school_a.code, "", "否"])
    )
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_teachers", str(path), "--json", stdout=out)
    assert exit_info.value.code == 1
    report = json.loads(out.getvalue())
    assert (report["created"], report["rejected"], report["errors"][0]["column"]) == (2, 1, "身份证号")
