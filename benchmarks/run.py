"""Benchmark EduAid's term cycle against a pandas script and DuckDB, in one run.

    uv run --group bench python benchmarks/run.py --scale county [--db sqlite,postgres|none]
        [--baselines pandas,duckdb|none] [--pg-database NAME] [--keep] [--step-timeout SECONDS]
        [--no-results]

Scales: smoke (1,000 students, .xlsx; SQLite and pandas by default — seconds, fit for CI), county
(100,000 students, .xlsx, plus CSV copies for DuckDB), city (1,000,000 students, CSV: an .xlsx sheet
holds 1,048,576 rows), province (10,000,000 students, CSV). The files are generated once into
benchmarks/out/data/ (git-ignored) and reused while the generator is unchanged; the accounts sheet is
derived from them by accounts.py under its own key.

Per database: a fresh data folder (SQLite) or a freshly created PostgreSQL database (`eduaid_bench`,
or --pg-database), `eduaid migrate` and `eduaid import_schools` (not timed), then the timed steps,
each its own process as a user would run them: import_registry, import_population, import_students,
match --term 2023-2024-2, price (`eduaid entitlements`), then the review (review.py and `eduaid
notices close`, each on its own day) and `eduaid import_accounts`, reported but not in the totals,
then batch (`eduaid payments batch`, writing the bank file) and `eduaid ledger verify`. Wall time,
CPU and the peak RSS of each process (`os.wait4`) are recorded, plus on PostgreSQL the peak RSS of
the database's backends during the step (polled from /proc). The baselines run as processes too, on
the same files. The JSON outputs are checked against the file sizes and the baselines' answers
(match answers, entitlements and their total, batch lines and their total), so a broken run is
flagged, not reported as fast. The table is printed and appended to benchmarks/results.md.
"""

# ruff: noqa: S603, S607 (runs eduaid, psql and git as the benchmark's own child processes)

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
RESULTS = HERE / "results.md"
TERM = "2023-2024-2"
TODAY = "2024-03-15"
PG_DATABASE = "eduaid_bench"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

sys.path.insert(0, str(HERE))
import accounts as bench_accounts  # noqa: E402
import generate  # noqa: E402


@dataclass(frozen=True)
class Scale:
    name: str
    students: int
    format: str  # what EduAid and pandas read
    formats: tuple[str, ...]  # what is generated
    dbs: tuple[str, ...]  # default databases
    baselines: tuple[str, ...]  # default baselines


SCALES = {
    "smoke": Scale("smoke", 1_000, "xlsx", ("xlsx",), ("sqlite",), ("pandas",)),
    "county": Scale("county", 100_000, "xlsx", ("xlsx", "csv"), ("sqlite", "postgres"), ("pandas", "duckdb")),
    "city": Scale("city", 1_000_000, "csv", ("csv",), ("postgres",), ("pandas", "duckdb")),
    "province": Scale("province", 10_000_000, "csv", ("csv",), ("postgres",), ("pandas", "duckdb")),
}
DB_LABELS = {"sqlite": "EduAid SQLite", "postgres": "EduAid PostgreSQL"}
BASELINE_LABELS = {"pandas": "pandas", "duckdb": "DuckDB"}
TIMED = (
    ("import_registry", "registry"),
    ("import_population", "population"),
    ("import_students", "students"),
    ("match", None),
)
COMPARED = ("eligible", "by_category", "duplicates", "identity_problems", "suspected_dropouts")
# What the pricing and the batch produced (EduAid: the price and batch steps' JSON; baselines: theirs).
CYCLE_COMPARED = ("entitlements", "entitlements_fen", "batch_lines", "batch_fen")
# The baseline phases that do what an EduAid step does (for the per-step ratios).
STEP_PHASES = {
    "import_registry": ("read registry", "clean registry"),
    "import_population": ("read population", "clean population"),
    "import_students": ("read students", "clean students"),
    "match": ("match",),
    "price": ("price",),
    "batch": ("read accounts", "batch", "bank file"),
}
CYCLE_PHASES = ("price", "read accounts", "batch", "bank file")
# The days of the review, each step its own process with its own EDUAID_TODAY: schools confirm on the
# benchmark's day, the 公示 starts on the Monday after and closes the day after its 5th working day.
NOTICE_DAY = "2024-03-18"


# --- processes -----------------------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False
    cpu_seconds: float = 0.0  # user + system CPU of the process (not of a database server)
    db_peak_mib: float = 0.0  # the largest sum of RSS of the PostgreSQL backends of the step's database

    def json(self) -> dict[str, Any] | None:
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except json.JSONDecodeError:
                    return None
        return None


def backends_rss_kib(database: str) -> int:
    """The RSS of the PostgreSQL backends connected to `database` now, summed (their process titles
    read `postgres: <cluster>: <user> <database> <host> <state>`). Shared buffers a backend touched
    count in its RSS: this is what the operating system sees the backend hold, an upper bound."""
    total = 0
    marker = f" {database} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            if not title.startswith(b"postgres:") or marker not in title:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:  # the process ended meanwhile
            continue
    return total


def measure(
    argv: list[str],
    *,
    env: dict[str, str],
    log: Path,
    timeout: float | None = None,
    cwd: Path = ROOT,
    pg_database: str | None = None,
) -> Measured:
    """Run one process; its wall time, and its own peak RSS from wait4 (not the parent's); with
    `pg_database`, also the peak RSS of that database's backends, sampled every 0.1 s."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        timed_out = False
        db_peak_kib, next_sample = 0, 0.0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if pg_database is not None and time.perf_counter() >= next_sample:
                db_peak_kib = max(db_peak_kib, backends_rss_kib(pg_database))
                next_sample = time.perf_counter() + 0.1
            if timeout is not None and time.perf_counter() - start > timeout:
                os.killpg(child.pid, signal.SIGKILL)
                timed_out = True
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    return Measured(
        seconds=seconds,
        peak_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        returncode=child.returncode,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
        timed_out=timed_out,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        db_peak_mib=db_peak_kib / 1024 if pg_database is not None else 0.0,
    )


def last_error(stderr: str) -> str:
    """The last line a failed process wrote (its exception), fit for one table cell."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return (lines[-1] if lines else "")[-300:].replace("|", "\\|")


def eduaid(*args: str) -> list[str]:
    return [sys.executable, "-m", "eduaid", *args]


def snapshot_code(scale: Scale) -> Path:
    """A copy of the `eduaid` package as it is now, which every EduAid step of the run imports.

    Other work goes on in the same tree: a migration or a half-saved file that appears mid-run must
    not change the code between `migrate` and `match`.
    """
    folder = OUT / "runs" / scale.name / "code"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "eduaid", folder / "eduaid", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def compile_bytecode(*folders: Path) -> None:
    """Byte-compile the snapshot and the installed packages, as any installed program is.

    A shell with PYTHONDONTWRITEBYTECODE set (as this one may be) never writes .pyc files, so every
    step — and every baseline — would compile every module it imports again: seconds per process.
    """
    targets = [str(path) for path in folders] + [sysconfig.get_paths()["purelib"]]
    # Not checked: a few installed files are never imported and do not compile (olefile ships one
    # in Python 2); everything that is imported compiles.
    subprocess.run([sys.executable, "-m", "compileall", "-qq", "-j", "0", *targets], check=False)


# --- data ----------------------------------------------------------------------------------------


def cache_key(scale: Scale) -> str:
    digest = hashlib.sha256()
    for path in (
        HERE / "generate.py",
        ROOT / "eduaid" / "demo" / "people.py",
        ROOT / "eduaid" / "demo" / "seed.py",
        ROOT / "eduaid" / "core" / "idnumbers.py",
        ROOT / "eduaid" / "org" / "data" / "suiping_divisions.csv",
    ):
        digest.update(path.read_bytes())
    digest.update(repr((scale.students, scale.formats)).encode())
    return digest.hexdigest()[:16]


def data_for(scale: Scale) -> tuple[Path, dict[str, Any]]:
    folder = OUT / "data" / scale.name
    key = cache_key(scale)
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("cache_key") == key:
            print(f"data: reusing {folder.relative_to(ROOT)}", flush=True)
            return folder, manifest
    shutil.rmtree(folder, ignore_errors=True)
    print(f"data: generating {scale.students:,} students into {folder.relative_to(ROOT)} …", flush=True)
    manifest = generate.generate(scale.students, folder, scale.formats)
    manifest["cache_key"] = key
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    print(f"data: {json.dumps(manifest['rows'])} in {manifest['seconds']} s", flush=True)
    return folder, manifest


# --- results -------------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float
    peak_mib: float
    rows: int | None = None
    notes: list[str] = field(default_factory=list)
    ok: bool = True
    internal: bool = False  # a phase measured inside a baseline's process, not a process of its own
    cpu: float | None = None  # the process's own CPU seconds (less moved by other work than wall time)
    db_peak_mib: float = 0.0  # its PostgreSQL backend's peak RSS (EduAid on PostgreSQL)
    timed: bool = True  # False: reported on its own (the review, the accounts import), not in the totals


@dataclass
class System:
    key: str
    label: str
    input: str
    steps: list[Step] = field(default_factory=list)
    answers: dict[str, Any] | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failed: bool = False
    cycle: dict[str, int] = field(default_factory=dict)  # entitlements, their fen, batch lines, fen
    phases: dict[str, float] = field(default_factory=dict)  # a baseline's phases

    @property
    def total(self) -> float:
        """The whole cycle: import, match, price and batch (a baseline: its whole script)."""
        return sum(step.seconds for step in self.steps if not step.internal and step.timed)

    @property
    def total_cpu(self) -> float:
        return sum(step.cpu or 0.0 for step in self.steps if not step.internal and step.timed)

    @property
    def peak(self) -> float:
        return max(
            (step.peak_mib + step.db_peak_mib for step in self.steps if not step.internal), default=0.0
        )

    @property
    def price_batch(self) -> float:
        if self.key in BASELINE_LABELS:
            return sum(self.phases.get(name, 0.0) for name in CYCLE_PHASES)
        return sum(step.seconds for step in self.steps if step.name in ("price", "batch"))

    @property
    def import_match(self) -> float:
        return self.total - self.price_batch

    def step_seconds(self, step: str) -> float | None:
        """What this system spent on an EduAid step (a baseline: its phases that do the same)."""
        if self.key in BASELINE_LABELS:
            phases = STEP_PHASES.get(step, ())
            if not phases or any(name not in self.phases for name in phases):
                return None
            return sum(self.phases[name] for name in phases)
        return next((s.seconds for s in self.steps if s.name == step), None)


def run_baseline(name: str, scale: Scale, data: Path, env: dict[str, str], timeout: float) -> System:
    fmt = "csv" if name == "duckdb" else scale.format
    label = f"{BASELINE_LABELS[name]} ({'calamine' if fmt == 'xlsx' else 'CSV'})"
    system = System(name, label, fmt)
    folder = OUT / "runs" / scale.name / name
    folder.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(HERE / f"baseline_{name}.py"), "--data", str(data), "--out", str(folder)]
    argv += ["--format", fmt]
    print(f"{label}: running …", flush=True)
    measured = measure(argv, env=env, log=OUT / "runs" / scale.name / name / "baseline", timeout=timeout)
    result = measured.json()
    if measured.returncode != 0 or result is None:
        system.failed = True
        error = last_error(measured.stderr)
        reason = "timed out" if measured.timed_out else f"exit {measured.returncode}: {error}"
        system.steps.append(
            Step("whole script", measured.seconds, measured.peak_mib, ok=False, notes=[reason])
        )
        print(f"{label}: FAILED ({reason})", flush=True)
        return system
    system.phases = dict(result["phases"])
    for phase, seconds in result["phases"].items():
        system.steps.append(Step(phase, seconds, 0.0, internal=True))
    startup = measured.seconds - result["seconds"]
    system.steps.append(
        Step(
            "whole script",
            measured.seconds,
            measured.peak_mib,
            notes=[f"start-up and imports {startup:.1f} s"],
            cpu=measured.cpu_seconds,
        )
    )
    system.answers = result["match"]
    system.counts = {k: result[k] for k in ("registry", "population", "students")}
    if "price" in result and "batch" in result:
        system.cycle = {
            "entitlements": result["price"]["rows"],
            "entitlements_fen": result["price"]["total_fen"],
            "batch_lines": result["batch"]["lines"],
            "batch_fen": result["batch"]["total_fen"],
        }
    system.notes.append(f"{BASELINE_LABELS[name]} {result['version']}")
    if name == "duckdb":
        system.notes.append(f"{result.get('threads')} threads")
    print(f"{label}: {measured.seconds:.1f} s, eligible {system.answers['eligible']}", flush=True)
    return system


def use_postgres_database(name: str) -> None:
    """The database the run drops and creates (`--pg-database`)."""
    global PG_DATABASE
    PG_DATABASE = name


def fresh_postgres() -> str:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
    subprocess.run(
        [*psql, "-c", f"DROP DATABASE IF EXISTS {PG_DATABASE}", "-c", f"CREATE DATABASE {PG_DATABASE}"],
        check=True,
    )
    return f"{PG_SERVER}/{PG_DATABASE}"


def drop_postgres() -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {PG_DATABASE}"],
        check=False,
    )


def database_size(db: str, folder: Path) -> str:
    if db == "sqlite":
        size = sum(p.stat().st_size for p in folder.glob("eduaid.sqlite3*"))
    else:
        out = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-Atc",
                f"SELECT pg_database_size('{PG_DATABASE}')",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        size = int(out.stdout.strip() or 0)
    return f"database {size / 2**20:,.0f} MiB"


def run_eduaid(
    code: Path,
    db: str,
    scale: Scale,
    data: Path,
    manifest: dict[str, Any],
    base_env: dict[str, str],
    timeout: float,
    keep: bool,
) -> System:
    label = DB_LABELS[db]
    system = System(db, label, scale.format)
    folder = OUT / "runs" / scale.name / db
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    env = {**base_env, "EDUAID_DATA_DIR": str(folder / "data"), "PYTHONPATH": str(code)}
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        env["DATABASE_URL"] = fresh_postgres()
    logs = folder / "logs"
    print(f"{label}: migrate, import_schools (not timed) …", flush=True)
    for argv, name in (
        (eduaid("migrate", "-v", "0"), "migrate"),
        (eduaid("import_schools", str(data / "schools.xlsx"), "--json"), "import_schools"),
    ):
        measured = measure(argv, env=env, log=logs / name, cwd=code)
        if measured.returncode != 0:
            system.failed = True
            system.notes.append(f"{name} failed (exit {measured.returncode}): {last_error(measured.stderr)}")
            print(f"{label}: {name} FAILED\n{measured.stderr[-2000:]}", flush=True)
            return system
    startup = measure(
        eduaid("shell", "--no-imports", "-c", "import eduaid; print(eduaid.__file__)"),
        env=env,
        log=logs / "startup",
        cwd=code,
    )
    imported = (startup.stdout.strip().splitlines() or [""])[-1]
    if not imported.startswith(str(code)):
        system.failed = True
        system.notes.append(f"CHECK: the steps import eduaid from {imported!r}, not the snapshot")
    system.notes.append(f"each step includes an eduaid process start-up of {startup.seconds:.1f} s")
    pg = PG_DATABASE if db == "postgres" else None
    for command, file in TIMED:
        argv = eduaid(command, "--json")
        if file is not None:
            argv.insert(4, str(data / f"{file}.{scale.format}"))
        else:
            argv += ["--term", TERM]
        print(f"{label}: {command} …", flush=True)
        load = os.getloadavg()[0]
        measured = measure(argv, env=env, log=logs / command, timeout=timeout, cwd=code, pg_database=pg)
        result = measured.json()
        step = Step(
            command,
            measured.seconds,
            measured.peak_mib,
            cpu=measured.cpu_seconds,
            db_peak_mib=measured.db_peak_mib,
        )
        if load > 2.5:
            step.notes.append(f"load {load:.1f} at start")
        system.steps.append(step)
        if measured.timed_out:
            step.ok, system.failed = False, True
            step.notes.append(f"stopped after {timeout:g} s")
            break
        if result is None or measured.returncode not in (0, 1):
            step.ok, system.failed = False, True
            step.notes.append(f"exit {measured.returncode}: {last_error(measured.stderr)}")
            print(f"{label}: {command} FAILED\n{measured.stderr[-3000:]}", flush=True)
            break
        if file is not None:
            step.rows = result.get("rows")
            system.counts[file] = {
                "rows": result.get("rows", 0),
                "accepted": result.get("created", 0) + result.get("updated", 0) + result.get("unchanged", 0),
                "rejected": result.get("rejected", 0),
                "duplicates": result.get("duplicates", 0),
            }
            step.notes.append(f"rejected {result.get('rejected')}, repeats {result.get('duplicates')}")
            expected = manifest["rows"][file]
            if result.get("rows") != expected:
                step.ok = False
                step.notes.append(f"CHECK: {result.get('rows')} rows read, the file has {expected}")
            if not result.get("applied"):
                step.ok = False
                step.notes.append("CHECK: not applied")
            if result.get("rejected", 0) > 0.01 * max(expected, 1):
                step.ok = False
                step.notes.append("CHECK: over 1% of the rows rejected")
        else:
            system.answers = result
            step.notes.append(f"eligible {result.get('eligible')}")
            if not result.get("eligible"):
                step.ok = False
                step.notes.append("CHECK: nobody eligible")
        print(f"{label}: {command} {measured.seconds:.1f} s, {measured.peak_mib:,.0f} MiB", flush=True)
    if not system.failed:
        run_cycle(system, Cycle(code, scale, data, env, logs, folder, timeout, pg))
    system.notes.append(database_size(db, folder / "data"))
    if not keep:
        if db == "postgres":
            drop_postgres()
        shutil.rmtree(folder / "data", ignore_errors=True)
    return system


@dataclass
class Cycle:
    code: Path
    scale: Scale
    data: Path
    env: dict[str, str]
    logs: Path
    folder: Path
    timeout: float
    pg: str | None


def cycle_step(
    system: System, run: Cycle, name: str, argv: list[str], *, day: str, timed: bool = True
) -> dict[str, Any] | None:
    """One step of the term cycle as its own process on `day`; its JSON, or None when it failed."""
    print(f"{system.label}: {name} …", flush=True)
    env = {**run.env, "EDUAID_TODAY": day}
    measured = measure(
        argv, env=env, log=run.logs / name, timeout=run.timeout, cwd=run.code, pg_database=run.pg
    )
    step = Step(
        name,
        measured.seconds,
        measured.peak_mib,
        cpu=measured.cpu_seconds,
        db_peak_mib=measured.db_peak_mib,
        timed=timed,
    )
    if not timed:
        step.notes.append("not in the totals")
    system.steps.append(step)
    result = measured.json()
    if measured.timed_out or measured.returncode not in (0, 1) or result is None:
        step.ok, system.failed = False, True
        reason = f"stopped after {run.timeout:g} s" if measured.timed_out else f"exit {measured.returncode}"
        step.notes.append(f"{reason}: {last_error(measured.stderr)}")
        print(f"{system.label}: {name} FAILED\n{measured.stderr[-3000:]}", flush=True)
        return None
    print(f"{system.label}: {name} {measured.seconds:.1f} s, {measured.peak_mib:,.0f} MiB", flush=True)
    return result


def run_cycle(system: System, run: Cycle) -> None:
    """After the match: price (timed), the review through the real services and the accounts import
    (reported, not timed as cycle steps), the batch with its bank file (timed), and the ledger check."""
    fmt = run.scale.format
    price = cycle_step(
        system,
        run,
        "price",
        eduaid("entitlements", "--term", TERM, "--json", "--out", str(run.folder / "entitlements.csv")),
        day=TODAY,
    )
    if price is None:
        return
    system.cycle["entitlements"] = price.get("rows", 0)
    system.cycle["entitlements_fen"] = price.get("total_fen", 0)
    system.steps[-1].rows = price.get("rows")
    system.steps[-1].notes.append(
        f"{price.get('students')} students, {price.get('total_fen', 0) / 100:,.2f} yuan"
    )
    review = [sys.executable, str(HERE / "review.py")]
    confirmed = cycle_step(
        system, run, "review: confirm", [*review, "confirm", "--term", TERM], day=TODAY, timed=False
    )
    if confirmed is None:
        return
    system.steps[-1].rows = confirmed.get("confirmed")
    published = cycle_step(
        system, run, "review: publish", [*review, "publish", "--term", TERM], day=NOTICE_DAY, timed=False
    )
    if published is None or not published.get("ends_on"):
        system.failed = True
        return
    system.steps[-1].notes.append(f"{published['notices']} notices until {published['ends_on']}")
    after = (dt.date.fromisoformat(published["ends_on"]) + dt.timedelta(days=1)).isoformat()
    closed = cycle_step(
        system, run, "review: notices close", eduaid("notices", "close", "--json"), day=after, timed=False
    )
    if closed is None:
        return
    system.steps[-1].rows = closed.get("passed")
    approved = cycle_step(
        system, run, "review: approve", [*review, "approve", "--term", TERM], day=after, timed=False
    )
    if approved is None:
        return
    system.steps[-1].rows = approved.get("approved")
    accounts = cycle_step(
        system,
        run,
        "import_accounts",
        eduaid("import_accounts", str(run.data / f"accounts.{fmt}"), "--json"),
        day=after,
        timed=False,
    )
    if accounts is None:
        return
    step = system.steps[-1]
    step.rows = accounts.get("rows")
    step.notes.append(f"rejected {accounts.get('rejected')}")
    if accounts.get("rejected"):
        step.ok = False
        step.notes.append("CHECK: accounts rejected")
    batch = cycle_step(
        system,
        run,
        "batch",
        eduaid("payments", "batch", "--term", TERM, "--json", "--out", str(run.folder / f"bank.{fmt}")),
        day=after,
    )
    if batch is None:
        return
    system.cycle["batch_lines"] = batch.get("lines", 0)
    system.cycle["batch_fen"] = batch.get("total_fen", 0)
    step = system.steps[-1]
    step.rows = batch.get("lines")
    step.notes.append(
        f"{batch.get('batch')}: {batch.get('total')} yuan, bank file {Path(batch.get('file', '')).name}"
    )
    if batch.get("file_rows") != batch.get("lines"):
        step.ok = False
        step.notes.append(f"CHECK: the bank file has {batch.get('file_rows')} rows")
    ledger = cycle_step(
        system, run, "ledger verify", eduaid("ledger", "verify", "--json"), day=after, timed=False
    )
    if ledger is not None:
        system.steps[-1].rows = ledger.get("entries")
        if not ledger.get("ok"):
            system.steps[-1].ok = False
            system.steps[-1].notes.append("CHECK: the ledger's chain is broken")


def compare(systems: list[System]) -> list[str]:
    """Answers and row counts that differ between systems (the pandas baseline is the reference
    when it ran, else the first system with answers)."""
    answered = [s for s in systems if s.answers is not None]
    if len(answered) < 2:
        return []
    reference = next((s for s in answered if s.key == "pandas"), answered[0])
    problems = []
    for system in answered:
        if system is reference:
            continue
        for key in COMPARED:
            if system.answers.get(key) != reference.answers.get(key):
                problems.append(
                    f"MISMATCH {system.label} vs {reference.label}: {key} "
                    f"{system.answers.get(key)} ≠ {reference.answers.get(key)}"
                )
        for key in CYCLE_COMPARED:
            if key in system.cycle and key in reference.cycle and system.cycle[key] != reference.cycle[key]:
                problems.append(
                    f"MISMATCH {system.label} vs {reference.label}: {key} "
                    f"{system.cycle[key]} ≠ {reference.cycle[key]}"
                )
        for file, counts in system.counts.items():
            theirs = reference.counts.get(file, {})
            for key in ("rows", "rejected", "duplicates"):
                if key in theirs and counts.get(key) != theirs[key]:
                    problems.append(
                        f"MISMATCH {system.label} vs {reference.label}: {file} {key} "
                        f"{counts.get(key)} ≠ {theirs[key]}"
                    )
    for system in systems:
        if system.answers is not None and problems:
            system.notes.append("see mismatches")
    return problems


# --- the report ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return out.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--", "eduaid"):  # the snapshot copies untracked files too
        commit += " + uncommitted changes"
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kib / 2**20:.0f} GiB",
        "commit": commit,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg or "not reachable",
    }


def fmt_s(seconds: float) -> str:
    return f"{seconds:,.1f}" if seconds >= 0.95 else f"{seconds:.2f}"


def cpu_ratio(system: System, reference: System | None) -> str:
    """CPU seconds against the reference's: EduAid's database server not counted (PostgreSQL)."""
    if reference is None or reference.failed or not reference.total_cpu:
        return "–"
    return f"{system.total_cpu / reference.total_cpu:.1f}×"


def ratio(value: float, reference: System | None, of: float | None = None) -> str:
    """`value` against the reference's whole cycle (or against `of`, a part of it)."""
    base = reference.total if of is None and reference is not None else of
    if reference is None or reference.failed or not base:
        return "–"
    return f"{value / base:.1f}×"


def step_ratio(system: System, step: Step, reference: System | None) -> str:
    theirs = reference.step_seconds(step.name) if reference is not None and not reference.failed else None
    if system.key not in DB_LABELS or not step.timed or not theirs:
        return ""
    return f"{step.seconds / theirs:.1f}×"


def report(
    scale: Scale,
    manifest: dict[str, Any],
    systems: list[System],
    problems: list[str],
    info: dict[str, str],
    started: dt.datetime,
    load: tuple[float, float],
) -> str:
    pandas = next((s for s in systems if s.key == "pandas"), None)
    duck = next((s for s in systems if s.key == "duckdb"), None)
    rows = manifest["rows"]
    duck_note = ", CSV for DuckDB" if duck and scale.format != "csv" else ""
    dbs = ", ".join(DB_LABELS[s.key].removeprefix("EduAid ") for s in systems if s.key in DB_LABELS) or "none"
    lines = [
        f"## {scale.name}: {scale.students:,} students — {started:%Y-%m-%d %H:%M}",
        "",
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']}; commit {info['commit']}; "
        f"Python {info['python']}, SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}. "
        f"Databases: {dbs}. Load average {load[0]:.1f} at the start, {load[1]:.1f} at the end "
        "(other work shares the machine).",
        "",
        f"Files ({scale.format} for EduAid and pandas{duck_note}): "
        f"registry {rows['registry']:,} rows, students {rows['students']:,}, "
        f"population {rows['population']:,}, "
        f"schools {rows['schools']}; injected dirt {json.dumps(manifest['dirt'])}.",
        "",
        "| system | input | import + match (s) | price + batch (s) | cycle (s) | CPU s | peak MiB "
        "| × pandas | CPU × pandas | × DuckDB | eligible | entitlements | batch lines | answers |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for system in systems:
        if system.failed:
            verdict = "FAILED"
        elif any(p for p in problems if system.label in p):
            verdict = "MISMATCH"
        elif system.answers is not None and len([s for s in systems if s.answers]) > 1:
            verdict = "agree"
        else:
            verdict = "–"
        eligible = system.answers.get("eligible") if system.answers else "–"
        entitled = f"{system.cycle['entitlements']:,}" if "entitlements" in system.cycle else "–"
        paid = f"{system.cycle['batch_lines']:,}" if "batch_lines" in system.cycle else "–"
        lines.append(
            f"| {system.label} | {system.input} | {fmt_s(system.import_match)} | "
            f"{fmt_s(system.price_batch)} | {fmt_s(system.total)} | {fmt_s(system.total_cpu)} | "
            f"{system.peak:,.0f} | {ratio(system.total, pandas)} | {cpu_ratio(system, pandas)} | "
            f"{ratio(system.total, duck)} | {eligible} | {entitled} | {paid} | {verdict} |"
        )
    lines += [
        "",
        "| system | step | rows | seconds | CPU s | peak MiB | × pandas | × DuckDB | notes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for system in systems:
        for step in system.steps:
            name = f"  ↳ {step.name}" if step.internal else step.name
            peak = "" if step.internal else f"{step.peak_mib + step.db_peak_mib:,.0f}"
            if step.db_peak_mib:
                step.notes.append(f"peak {step.peak_mib:,.0f} + backend {step.db_peak_mib:,.0f} MiB")
            flag = "" if step.ok else "**CHECK** "
            rows_text = f"{step.rows:,}" if step.rows is not None else ""
            lines.append(
                f"| {system.label} | {name} | {rows_text} | {fmt_s(step.seconds)} | "
                f"{'' if step.cpu is None else fmt_s(step.cpu)} | {peak} | "
                f"{step_ratio(system, step, pandas)} | {step_ratio(system, step, duck)} | "
                f"{flag}{'; '.join(step.notes)} |"
            )
    notes = [f"{s.label}: {'; '.join(s.notes)}" for s in systems if s.notes]
    if notes or problems:
        lines.append("")
        lines += [f"- {note}" for note in notes]
        lines += [f"- **{problem}**" for problem in problems]
    if pandas is not None and not pandas.failed:
        for system in systems:
            if system.key in DB_LABELS and not system.failed and scale.name == "county":
                times = system.import_match / pandas.import_match
                met = "met" if times <= 3 else "NOT met"
                cpu = f"; CPU {system.total_cpu / pandas.total_cpu:.1f}×" if pandas.total_cpu else ""
                lines.append(
                    f"- Target (county import + match within 3× pandas): {system.label} {times:.1f}× — {met}"
                    f"{cpu}."
                )
    if systems and systems[0].answers:
        answers = next(s.answers for s in systems if s.answers)
        lines.append(
            "- Answers: "
            + ", ".join(f"{k} {json.dumps(answers.get(k), ensure_ascii=False)}" for k in COMPARED)
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--db", help="sqlite,postgres (default: the scale's); 'none' for none")
    parser.add_argument("--baselines", help="pandas,duckdb (default: the scale's); 'none' for none")
    parser.add_argument(
        "--keep", action="store_true", help="keep the data folders and the PostgreSQL database"
    )
    parser.add_argument("--step-timeout", type=float, default=3600, help="seconds before a step is stopped")
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help=f"the PostgreSQL database to (re)create (default {PG_DATABASE})",
    )
    parser.add_argument(
        "--results",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="append the table to results.md (default: yes, except for the smoke scale)",
    )
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    dbs = tuple(x.strip() for x in args.db.split(",")) if args.db else scale.dbs
    baselines = tuple(x.strip() for x in args.baselines.split(",")) if args.baselines else scale.baselines
    baselines = tuple(b for b in baselines if b != "none")
    dbs = tuple(d for d in dbs if d != "none")
    if set(dbs) - set(DB_LABELS) or set(baselines) - set(BASELINE_LABELS):
        parser.error("--db is sqlite and/or postgres; --baselines is pandas and/or duckdb")
    if "duckdb" in baselines and "csv" not in scale.formats:
        parser.error(f"DuckDB reads CSV only; the {scale.name} scale has no CSV files")
    started = dt.datetime.now()
    load_start = os.getloadavg()[0]
    info = machine()  # the commit and the state of the tree when the run starts
    code = snapshot_code(scale) if dbs else ROOT
    compile_bytecode(*([code / "eduaid"] if dbs else []))
    data, manifest = data_for(scale)
    use_postgres_database(args.pg_database)
    for fmt in dict.fromkeys([scale.format, *scale.formats]):
        made = bench_accounts.write(data, fmt)
        print(f"data: accounts.{fmt}, {made['rows']:,} accounts", flush=True)
    env = {**os.environ, "EDUAID_TODAY": TODAY, "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    systems: list[System] = []
    for name in baselines:
        systems.append(run_baseline(name, scale, data, env, args.step_timeout))
    for db in dbs:
        system = run_eduaid(code, db, scale, data, manifest, env, args.step_timeout, args.keep)
        systems.insert(len(systems) - len(baselines), system)
    problems = compare(systems)
    text = report(scale, manifest, systems, problems, info, started, (load_start, os.getloadavg()[0]))
    print()
    print(text)
    if args.results if args.results is not None else scale.name != "smoke":
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmark results\n\nAppended by `benchmarks/run.py`; see README.md.\n\n")
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"appended to {RESULTS.relative_to(ROOT)}")
    failed = (
        any(s.failed for s in systems)
        or bool(problems)
        or any(not step.ok for s in systems for step in s.steps)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
