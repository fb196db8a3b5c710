"""The staged import (DESIGN §6) reports exactly what the in-memory one reports, and resumes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from eduaid.aid.imports import LoanRow
from eduaid.core import staging
from eduaid.core.importing import ImportReport, write_rejected_xlsx
from eduaid.core.models import StagedRow, StageRun
from eduaid.core.staging import Staging
from eduaid.org.models import School
from eduaid.org.services import SchoolData
from eduaid.payments.services import AccountData
from eduaid.registry.imports_population import import_population
from eduaid.registry.imports_registry import import_registry
from eduaid.registry.imports_students import import_students
from eduaid.registry.services.enrolments import EnrolmentData
from eduaid.registry.services.households import HouseholdFacts, MemberData
from eduaid.registry.services.population import ChildData
from eduaid.registry.tests import test_import_registry as registry_tests
from eduaid.registry.tests import test_import_students as student_tests
from eduaid.staff.services import TeacherData

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "registry" / "tests" / "fixtures"
IMPORTS: dict[str, Callable[..., ImportReport]] = {
    "registry": import_registry,
    "students": import_students,
    "population": import_population,
}


@pytest.fixture(autouse=True)
def _county(settings: Any, cast: Any) -> Iterator[None]:
    """The registry and students tests' county: its townships, the cast's schools and two more."""
    settings.EDUAID_COUNTY = "411728"
    for code, name, school_type in (
        (student_tests.KINDERGARTEN, "文城乡中心幼儿园", "kindergarten"),
        (student_tests.NINE_YEAR, "文城乡一贯制学校", "nine_year"),
    ):
        School.objects.create(
            code=code,
            name=name,
            township=cast.township_a,
            school_type=school_type,
            ownership="public",
            urban_rural="rural",
        )
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def stage_every_file(monkeypatch: pytest.MonkeyPatch) -> list[StageRun]:
    """Stage even a file of one chunk; the runs staged."""
    monkeypatch.setattr(staging, "STAGE_FROM_ROWS", 0)
    runs: list[StageRun] = []
    real = staging._stage

    def recording(run: StageRun, *args: Any) -> None:
        runs.append(run)
        real(run, *args)

    monkeypatch.setattr(staging, "_stage", recording)
    return runs


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 2 rows, so that a small file spans several chunks."""
    monkeypatch.setattr(staging, "CHUNK_ROWS", 2)


def fingerprint(report: ImportReport) -> dict[str, Any]:
    """Everything a report says, its rejected rows' workbook included."""
    book = io.BytesIO()
    write_rejected_xlsx(report, book)
    rejected = [(row.sheet, row.number, tuple(issues)) for row, issues in report.rejected_rows]
    return {
        "json": report.as_dict(),
        "lines": report.lines(),
        "rejected": rejected,
        "workbook": _cells(book.getvalue()),
    }


def _cells(data: bytes) -> list[Any]:
    if not data:
        return []
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]


def both(kind: str, source: bytes | Path, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    function = IMPORTS[kind]
    options: dict[str, Any] = {"actor": None, "dry_run": True, **kwargs}
    in_memory = fingerprint(function(source, **options))
    before = StageRun.objects.count()
    with staging.staging(Staging(kind=kind, rejudge_staged=kind == "registry")):
        staged = fingerprint(function(source, **options))
    assert before == 0
    assert not StagedRow.objects.exists() and not StageRun.objects.exists()  # cleaned when the run ends
    return in_memory, staged


FIXTURE_FILES = [
    ("registry", "registry_combined.xlsx"),
    ("registry", "registry_excel97.xls"),
    ("registry", "registry_gb18030.csv"),
    ("registry", "registry_two_sheets.xlsx"),
    ("students", "students.xls"),
    ("students", "students_college.xlsx"),
    ("students", "students_gb18030.csv"),
    ("students", "students_two_sheets.xlsx"),
    ("students", "students_utf8_bom.csv"),
    ("population", "population_gb18030.csv"),
    ("population", "population_title_row.xlsx"),
]


@pytest.mark.parametrize("chunked", [False, True], ids=["one_chunk", "chunks_of_2"])
@pytest.mark.parametrize(("kind", "name"), FIXTURE_FILES, ids=[name for _kind, name in FIXTURE_FILES])
def test_every_messy_fixture_reports_the_same_staged_and_in_memory(
    kind: str, name: str, chunked: bool, monkeypatch: pytest.MonkeyPatch, stage_every_file: list[StageRun]
) -> None:
    if chunked:
        monkeypatch.setattr(staging, "CHUNK_ROWS", 2)
    in_memory, staged = both(kind, FIXTURES / name, filename=name)
    assert staged == in_memory
    assert len(stage_every_file) == 1
    assert in_memory["json"]["rows"] > 0


def registry_rows() -> list[list[Any]]:
    """Repeats, a key conflict, a household whose rows disagree, one settled by a later row."""
    row, h2, pid = registry_tests.row, registry_tests.h2, registry_tests.pid
    a2, b1 = registry_tests.A2, registry_tests.B1
    return [
        row(),
        row(name="张浩", id=a2, relation="之子"),
        row(),  # an exact repeat of row 2
        h2(name="赵强", id=b1),
        h2(name="张德明", id=registry_tests.A1),  # the same ID in another household: both rejected
        row(id=pid("2014-01-01", 21), relation="之女", village="文城村"),  # disagrees, then outvoted
        row(id=pid("2016-01-01", 41), relation="之女"),
        [f" {v} " for v in row(name="张浩", id=a2, relation="之子")],  # a repeat, spaced
        h2(name="赵子轩", id=registry_tests.B2, relation="之子", since="2022-07-01"),  # disagrees with row 5
        row(id="411728201301010019", relation="之女"),  # a bad check digit
    ]


def test_registry_repeats_conflicts_and_household_agreement_across_chunks(
    tmp_path: Path, small_chunks: None
) -> None:
    path = registry_tests.write_xlsx(tmp_path, registry_rows())
    in_memory, staged = both("registry", path)
    assert staged == in_memory
    counts = in_memory["json"]
    assert (counts["rows"], counts["duplicates"]) == (10, 2)
    assert counts["rejected"] >= 3


def test_students_repeats_and_conflicts_set_wise(tmp_path: Path, small_chunks: None) -> None:
    row, pid = student_tests.row, student_tests.pid
    ids = [pid("2014-03-01", 11), pid("2014-05-01", 21), pid("2013-07-01", 31)]
    rows = [
        row("张三", ids[0]),
        row("李四", ids[1]),
        row("张三", ids[0]),  # repeat
        row("李四", ids[1], 班级="2班"),  # same enrolment, other content: both rejected
        row("王五", ids[2], 学籍状态="未知"),
        row("张三", ids[0]),  # repeat again
    ]
    path = student_tests.write_xlsx(tmp_path, rows)
    in_memory, staged = both("students", path)
    assert staged == in_memory
    report = in_memory["json"]
    assert (report["rows"], report["duplicates"], report["rejected"]) == (6, 2, 3)
    assert [error["row"] for error in report["errors"]][:2] == [3, 5]


def test_staged_apply_writes_what_the_in_memory_apply_writes(stage_every_file: list[StageRun]) -> None:
    path = FIXTURES / "students_two_sheets.xlsx"
    with staging.staging(Staging(kind="students")):
        staged = import_students(path, actor=None)
    assert [run.phase for run in stage_every_file] == ["apply"]
    assert staged.applied and staged.created > 0
    again = import_students(path, actor=None, dry_run=True)
    assert again.created == 0 and again.updated == 0 and again.unchanged == staged.created
    assert not StagedRow.objects.exists()


class Stop(Exception):
    pass


def stop_after_first_chunk(run: StageRun) -> None:
    raise Stop


@pytest.mark.parametrize("kind", ["students", "registry"])
def test_a_cut_off_run_resumes_at_the_first_row_not_staged(
    kind: str, tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if kind == "registry":
        path = registry_tests.write_xlsx(tmp_path, registry_rows())
    else:
        path = FIXTURES / "students_two_sheets.xlsx"
    options: dict[str, Any] = {"actor": None, "dry_run": True}
    whole = fingerprint(IMPORTS[kind](path, **options))
    rejudge = kind == "registry"
    with (
        pytest.raises(Stop),
        staging.staging(Staging(kind, job_id=7, rejudge_staged=rejudge, after_chunk=stop_after_first_chunk)),
    ):
        IMPORTS[kind](path, **options)
    run = StageRun.objects.get(job_id=7)
    assert (run.rows_read, run.rows.count()) == (2, 2)
    judged: list[int] = []
    real_judge = staging.signature_digest

    def counting(signature: Any) -> str:
        judged.append(1)
        return real_judge(signature)

    monkeypatch.setattr(staging, "signature_digest", counting)
    with staging.staging(Staging(kind, job_id=7, rejudge_staged=rejudge)):
        resumed = fingerprint(IMPORTS[kind](path, **options))
    assert resumed == whole
    rows = whole["json"]["rows"]
    assert len(judged) == (rows if rejudge else rows - 2)  # the staged rows were not read again
    assert not StageRun.objects.exists()


def test_a_new_file_for_the_same_job_starts_afresh(tmp_path: Path, small_chunks: None) -> None:
    path = registry_tests.write_xlsx(tmp_path, registry_rows())
    spec = Staging("registry", job_id=8, after_chunk=stop_after_first_chunk)
    with pytest.raises(Stop), staging.staging(spec):
        import_registry(path, actor=None, dry_run=True)
    other = registry_tests.write_xlsx(tmp_path, registry_rows()[:4], name="other.xlsx")
    with staging.staging(Staging("registry", job_id=8)):
        report = import_registry(other, actor=None, dry_run=True)
    assert report.rows == 4
    assert not StageRun.objects.exists()


def test_stale_runs_are_cleaned(tmp_path: Path, small_chunks: None) -> None:
    path = registry_tests.write_xlsx(tmp_path, registry_rows())
    for job_id in (1, 2, None):
        with (
            pytest.raises(Stop),
            staging.staging(Staging("registry", job_id=job_id, after_chunk=stop_after_first_chunk)),
        ):
            import_registry(path, actor=None, dry_run=True)
    StageRun.objects.filter(job_id__isnull=True).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert staging.stage_runs_clean(keep_job_ids=[2]) == 2
    assert list(StageRun.objects.values_list("job_id", flat=True)) == [2]
    assert StagedRow.objects.filter(run__job_id=2).count() == 2
    assert staging.stage_runs_end_for_job(2) == 1
    assert not StagedRow.objects.exists()


def test_a_file_of_one_chunk_is_judged_in_memory_even_when_staging_is_asked_for(
    stage_every_file: list[StageRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "STAGE_FROM_ROWS", staging.CHUNK_ROWS)
    with staging.staging(Staging(kind="students")):
        report = import_students(FIXTURES / "students_two_sheets.xlsx", actor=None, dry_run=True)
    assert report.rows > 0 and stage_every_file == []


# --- the value codec -----------------------------------------------------------------------------


def test_every_importers_value_round_trips() -> None:
    facts = HouseholdFacts("脱贫户", "边缘易致贫户", True, dt.date(2022, 6, 15), None, 12)
    values = [
        MemberData("411728209213001", "411728198001010011", "张德明", "户主", facts),
        EnrolmentData(
            id_number=None,
            student_key="J411728201201010012",
            name="张浩",
            school_id=None,
            college="郑州大学",
            stage="undergraduate",
            grade=2,
            class_name="",
            boarding=True,
            status="studying",
            student_number="J411728201201010012",
            in_province=True,
            freshman=None,
            declared_gender="",
        ),
        ChildData("411728201501010011", "赵子轩", 3),
        SchoolData("2141000001", "文城乡中心小学", 1, "primary", "public", "rural", None),
        AccountData(5, "赵强", "411728198508080071", "农商银行", "6228480000000000000"),
        TeacherData("411728198001010011", "李老师", "13800000000", 4, (1, 2, 3), True),
        LoanRow(9, "2023-2024", "郑州大学", "undergraduate", 800000, False),
    ]
    for value in values:
        stored = staging.encode(value)
        assert staging.decode(type(value), _json_round_trip(stored)) == value


@dataclasses.dataclass(frozen=True)
class Everything:
    day: dt.date
    moment: dt.datetime
    money: Decimal
    tags: frozenset[str]
    pairs: tuple[tuple[str, int], ...]
    fixed: tuple[int, str]
    items: list[HouseholdFacts]
    maybe: Decimal | None
    table: dict[str, int]


def test_the_codec_handles_dates_decimals_sets_tuples_and_nested_dataclasses() -> None:
    facts = HouseholdFacts("一般农户", "", False, None, dt.date(2024, 1, 2), 1)
    value = Everything(
        day=dt.date(2024, 2, 29),
        moment=dt.datetime(2024, 2, 29, 8, 30, tzinfo=dt.UTC),
        money=Decimal("1234.50"),
        tags=frozenset({"甲", "乙"}),
        pairs=(("a", 1), ("b", 2)),
        fixed=(1, "x"),
        items=[facts],
        maybe=None,
        table={"a": 1},
    )
    assert staging.decode(Everything, _json_round_trip(staging.encode(value))) == value
    assert staging.encode_key((("id", "X1"), 3, "")) == staging.encode_key((("id", "X1"), 3, ""))
    assert staging.encode_key(None) is None


def _json_round_trip(data: Any) -> Any:
    import json

    return json.loads(json.dumps(data))
