"""Load test of the pages at scale: a real multi-process server on 127.0.0.1, wrk, 20 users.

    uv run --group bench python benchmarks/pages.py --database pages_1m
        [--duration 20] [--connections 20] [--workers 3] [--threads 2] [--port 8765]
        [--only NAME,...] [--results/--no-results]

Input: a PostgreSQL database (127.0.0.1:5432, user postgres) holding a registry imported through
EduAid, e.g. a copy of the one `benchmarks/run.py --scale city --db postgres --keep` leaves:

    createdb -h 127.0.0.1 -U postgres -T eduaid_bench pages_1m

The script applies the migrations (the indexes), vacuums and analyses the copy as a server's autovacuum
would have (this machine's PostgreSQL runs without it), creates one login per role in scope (student aid
centre, the township and the school with the most students), serves EduAid with gunicorn
(pinned in the lock file's `bench` group) on 127.0.0.1, logs each user in through the login
form, checks every page answers 200 with its table, warms the workers, then runs
`wrk -t1 -cN -dDs --latency` against each page in turn and reads the percentiles from a Lua `done`
callback. Per page: p50/p95/p99 latency, requests/s, errors (socket errors and non-2xx/3xx), and the
CPU seconds (user + system, from /proc/<pid>/stat) of the server's processes and of the PostgreSQL
backends serving it during the run. The table is printed and appended to results.md ("pages at 1M").
Bounded: every wrk run has its duration and a timeout, the server is stopped at the end.
"""

# ruff: noqa: S310, S603, S607
# (runs eduaid, gunicorn and wrk as its own child processes; opens http://127.0.0.1 only)

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.md"
TODAY = "2024-03-15"  # run.py's clock: the term 2023-2024-2 is current
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
TARGET_P95_MS = 200.0
ROLES = ("aid_center", "township_officer", "school_officer")

WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "PAGES_JSON {\\"p50\\": %d, \\"p95\\": %d, \\"p99\\": %d, \\"max\\": %d, \\"requests\\": %d, "
    .. "\\"duration_us\\": %d, \\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"status\\": %d, "
    .. "\\"timeout\\": %d}\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Target:
    name: str  # short id, for --only
    label: str
    role: str
    path: str  # with the query string
    marker: str  # a data-testid the page must contain


@dataclass
class Outcome:
    target: Target
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    requests: int = 0
    rps: float = 0.0
    errors: int = 0
    server_cpu_s: float = 0.0
    pg_cpu_s: float = 0.0
    problem: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# ---- the database: migrate, users, what to search for ----------------------------------------------


def eduaid(env: dict[str, str], *args: str, timeout: float = 3600) -> str:
    done = subprocess.run(
        ["uv", "run", "eduaid", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"eduaid {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


SETUP = r"""
import json, sys
from django.db.models import Count
from eduaid.accounts.models import User
from eduaid.accounts.roles import Role
from eduaid.core import clock
from eduaid.org.models import OrgUnit, OrgUnitKind
from eduaid.org.units import unit_for_school, unit_for_township
from eduaid.registry.models import Enrolment, Person, valid_on
from eduaid.matching.models import MatchRun

password = sys.stdin.readline().strip()
day = clock.today()
current = Enrolment.objects.filter(valid_on(day), school__isnull=False)
def busiest(key):
    rows = current.filter(**{f"{key}__isnull": False}).values(key).annotate(n=Count("pk"))
    return rows.order_by("-n").values_list(key, "n")[0]
school_id, school_n = busiest("school_id")
township_id, township_n = busiest("school__township_id")
from eduaid.org.models import School, Township
units = {
    "aid_center": OrgUnit.objects.get(kind=OrgUnitKind.COUNTY, name="县教育局"),
    "township_officer": unit_for_township(Township.objects.get(pk=township_id)),
    "school_officer": unit_for_school(School.objects.get(pk=school_id)),
}
for role, unit in units.items():
    user, _ = User.objects.get_or_create(
        username=f"bench_{role}", defaults={"full_name": role, "role": role, "org_unit": unit}
    )
    user.role, user.org_unit, user.is_active, user.must_change_password = role, unit, True, False
    user.set_password(password)
    user.save()
with_id = current.filter(person__id_number__isnull=False).order_by("pk")
id_number = with_id.values_list("person__id_number", flat=True)[with_id.count() // 2]
from django.db.models.functions import Substr
# the most common first character of a student's name: the hardest name-prefix search
prefix = (
    Person.objects.filter(pk__in=current.values("person_id"))
    .annotate(first=Substr("name", 1, 1))
    .values("first").annotate(n=Count("pk")).order_by("-n").values_list("first", flat=True)[0]
)
print("SETUP_JSON " + json.dumps({
    "today": day.isoformat(),
    "students": current.values("person_id").distinct().count(),
    "school_students": school_n,
    "township_students": township_n,
    "id_number": id_number,
    "prefix": prefix,
    "runs": MatchRun.objects.count(),
}, ensure_ascii=False))
"""


def vacuum(database: str) -> None:
    """VACUUM ANALYZE the copy, as a server's autovacuum would have done by the time users come: this
    machine's PostgreSQL runs with autovacuum off, and without it the planner misjudges the tables
    the import and the review wrote (the payment panel's counts took 3.2 s instead of 0.8 s)."""
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-q", "-c", "VACUUM ANALYZE"],
        check=True,
        timeout=3600,
    )


def setup_database(env: dict[str, str], password: str, database: str) -> dict[str, Any]:
    print("migrate …", flush=True)
    eduaid(env, "migrate", "--no-input")
    print("vacuum analyze …", flush=True)
    vacuum(database)
    eduaid(env, "collectstatic", "--no-input")
    print("users and search terms …", flush=True)
    done = subprocess.run(
        ["uv", "run", "eduaid", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("SETUP_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"setup failed:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(line.removeprefix("SETUP_JSON ")))


def targets(info: dict[str, Any], deep_page: int) -> list[Target]:
    id_number = str(info["id_number"])
    # as typed on a phone: full-width digits, lower-case x — normalised by the search
    typed = id_number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}).replace("X", "x")
    q = urllib.parse.quote
    return [
        Target("students", "student list, page 1", "aid_center", "/students/", "student-table"),
        Target(
            "students_deep",
            f"student list, page {deep_page}",
            "aid_center",
            f"/students/?page={deep_page}",
            "student-table",
        ),
        Target(
            "search_name",
            f"search by name prefix “{info['prefix']}”",
            "aid_center",
            f"/students/?q={q(info['prefix'])}",
            "student-row",
        ),
        Target(
            "search_id",
            "search by exact ID (full-width typed)",
            "aid_center",
            f"/students/?q={q(typed)}",
            "student-row",
        ),
        Target("findings", "findings page", "aid_center", "/findings/", "finding-table"),
        Target("households", "household list", "aid_center", "/households/", "household-table"),
        Target("home_county", "home, aid centre", "aid_center", "/", "home-counts"),
        Target(
            "students_township", "student list, township", "township_officer", "/students/", "student-row"
        ),
        Target(
            "findings_township", "findings page, township", "township_officer", "/findings/", "finding-table"
        ),
        Target("home_township", "home, township", "township_officer", "/", "home-counts"),
        Target("students_school", "student list, school", "school_officer", "/students/", "student-row"),
        Target("findings_school", "findings page, school", "school_officer", "/findings/", "finding-table"),
        Target("home_school", "home, school", "school_officer", "/", "home-counts"),
    ]


# ---- the server -------------------------------------------------------------------------------------


def start_server(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        "uv",
        "run",
        "--group",
        "bench",
        "gunicorn",
        "eduaid.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--timeout",
        "60",
        "--pid",
        str(log.with_suffix(".pid")),
    ]
    handle = log.open("wb")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"the server did not answer within 120 s: see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def gunicorn_pids(pid_file: Path) -> list[int]:
    """The gunicorn master (from its pid file) and its workers (its children)."""
    master = int(pid_file.read_text().strip())
    children: list[int] = []
    for task in Path(f"/proc/{master}/task").iterdir():
        text = (task / "children").read_text().split()
        children.extend(int(x) for x in text)
    return [master, *children]


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, in seconds; None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendSampler:
    """The CPU seconds of the PostgreSQL backends connected to one database, sampled every 0.25 s so
    that a backend that ends during the run (Django closes a connection after CONN_MAX_AGE) still
    counts up to its last sample."""

    def __init__(self, database: str) -> None:
        import psycopg

        self.database = database
        self.conn = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, first: bool) -> None:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.database,),
        ).fetchall()
        for (pid,) in rows:
            value = cpu_seconds(int(pid))
            if value is None:
                continue
            if pid not in self.first:
                self.first[pid] = value if first else 0.0
            self.last[pid] = value

    def _run(self) -> None:
        while not self.stop.wait(0.25):
            self._sample(first=False)

    def __enter__(self) -> BackendSampler:
        self._sample(first=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._sample(first=False)
        self.conn.close()

    @property
    def used(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


# ---- logging in, checking, measuring ------------------------------------------------------------------


def login(base: str, username: str, password: str) -> str:
    """Log in through the login form; the session cookie's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": base + "/"})
    opener.open(request, timeout=30).read()
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        raise SystemExit(f"logging in as {username} failed")
    return session


def fetch(base: str, path: str, session: str) -> tuple[int, str, float]:
    request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={session}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = response.read().decode()
            return response.status, body, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, "", time.perf_counter() - started


def check(base: str, target: Target, session: str) -> str:
    """ "" if the page answers 200 with its marker, else what is wrong."""
    status, body, _seconds = fetch(base, target.path, session)
    if status != 200:
        return f"HTTP {status}"
    if f'data-testid="{target.marker}"' not in body:
        return f"no {target.marker} on the page"
    return ""


def run_wrk(
    base: str, target: Target, session: str, args: argparse.Namespace, lua: Path, pids: list[int]
) -> Outcome:
    outcome = Outcome(target)
    command = [
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        "-H",
        f"Cookie: sessionid={session}",
        base + target.path,
    ]
    before = {pid: cpu_seconds(pid) or 0.0 for pid in pids}
    with BackendSampler(args.database) as backends:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.duration + 60, check=False
        )
    after = {pid: cpu_seconds(pid) for pid in pids}
    outcome.server_cpu_s = sum((after[p] or before[p]) - before[p] for p in pids)
    outcome.pg_cpu_s = backends.used
    line = next((x for x in done.stdout.splitlines() if x.startswith("PAGES_JSON ")), None)
    if done.returncode != 0 or line is None:
        outcome.problem = f"wrk failed: {done.stderr.strip() or done.stdout.strip()}"[:300]
        return outcome
    data = json.loads(line.removeprefix("PAGES_JSON "))
    outcome.p50_ms, outcome.p95_ms = data["p50"] / 1000, data["p95"] / 1000
    outcome.p99_ms, outcome.max_ms = data["p99"] / 1000, data["max"] / 1000
    outcome.requests = data["requests"]
    outcome.rps = data["requests"] / (data["duration_us"] / 1e6)
    outcome.errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return outcome


# ---- the report ---------------------------------------------------------------------------------------


def report(
    info: dict[str, Any],
    outcomes: list[Outcome],
    args: argparse.Namespace,
    started: dt.datetime,
    load_start: float,
) -> str:
    load = os.getloadavg()
    lines = [
        f"## pages at 1M — {started:%Y-%m-%d %H:%M}",
        "",
        f"`uv run --group bench python benchmarks/pages.py --database {args.database}` — "
        f"{info['students']:,} students in scope of the aid centre, township {info['township_students']:,} "
        f"enrolments, school {info['school_students']:,}; clock {info['today']}. Server: gunicorn "
        f"{args.workers} workers × {args.threads} threads (gthread) on 127.0.0.1; "
        f"`wrk -t1 -c{args.connections} -d{args.duration}s --latency`; {os.cpu_count()} CPUs, "
        f"{platform.python_version()}; load average {load_start:.2f} at the start, {load[0]:.2f} at "
        "the end (other work on the machine inflates the latencies, CPU ms/req much less). "
        "CPU s: user + system during the run, of the gunicorn processes and of the PostgreSQL "
        "backends serving them. "
        f"Target: p95 ≤ {TARGET_P95_MS:.0f} ms.",
        "",
        "| page | role | p50 ms | p95 ms | p99 ms | req/s | requests | errors "
        "| server CPU s | PG CPU s | CPU ms/req | p95 ok |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|",
    ]
    for o in outcomes:
        if o.problem:
            lines.append(
                f"| {o.target.label} | {o.target.role} | — | — | — | — | — | — | — | — | — | {o.problem} |"
            )
            continue
        per_request = (o.server_cpu_s + o.pg_cpu_s) * 1000 / o.requests if o.requests else 0.0
        ok = "yes" if o.p95_ms <= TARGET_P95_MS and not o.errors else "NO"
        lines.append(
            f"| {o.target.label} | {o.target.role} | {o.p50_ms:.1f} | {o.p95_ms:.1f} | {o.p99_ms:.1f} | "
            f"{o.rps:.1f} | {o.requests:,} | {o.errors} | {o.server_cpu_s:.1f} | {o.pg_cpu_s:.1f} | "
            f"{per_request:.1f} | {ok} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True, help="PostgreSQL database to serve (a copy)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per page (wrk -d)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent users (wrk -c)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--deep-page", type=int, default=1000, help="the deep page of the student list")
    parser.add_argument("--only", help="comma-separated page names (see targets())")
    parser.add_argument("--results", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    if args.database in {"eduaid_bench", "postgres", "template0", "template1"}:
        parser.error("work on a copy: createdb -h 127.0.0.1 -U postgres -T eduaid_bench pages_1m")
    started = dt.datetime.now()
    load_start = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="pages_bench_", dir="/tmp"))
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_SERVER}/{args.database}",
        "EDUAID_DATA_DIR": str(folder),
        "EDUAID_TODAY": TODAY,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EDUAID_DEBUG", None)
    password = secrets.token_urlsafe(16)
    info = setup_database(env, password, args.database)
    print(json.dumps(info, ensure_ascii=False), flush=True)
    chosen = targets(info, args.deep_page)
    if args.only:
        names = set(args.only.split(","))
        chosen = [t for t in chosen if t.name in names]
    lua = folder / "percentiles.lua"
    lua.write_text(WRK_LUA)
    log = folder / "gunicorn.log"
    server = start_server(env, args.port, args.workers, args.threads, log)
    base = f"http://127.0.0.1:{args.port}"
    outcomes: list[Outcome] = []
    try:
        pids = gunicorn_pids(log.with_suffix(".pid"))
        sessions = {role: login(base, f"bench_{role}", password) for role in ROLES}
        for target in chosen:
            outcome = Outcome(target)
            outcome.problem = check(base, target, sessions[target.role])
            if not outcome.problem:
                for _ in range(args.workers * args.threads):  # warm every worker's caches
                    fetch(base, target.path, sessions[target.role])
                outcome = run_wrk(base, target, sessions[target.role], args, lua, pids)
            outcomes.append(outcome)
            print(
                f"{target.label:45} p95 {outcome.p95_ms:7.1f} ms  {outcome.rps:6.1f} req/s  "
                f"errors {outcome.errors}  server {outcome.server_cpu_s:5.1f} s  PG {outcome.pg_cpu_s:5.1f} s"
                f"  {outcome.problem}",
                flush=True,
            )
    finally:
        stop_server(server)
    text = report(info, outcomes, args, started, load_start)
    print()
    print(text)
    if args.results:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)
        print(f"appended to {RESULTS.relative_to(ROOT)}")
    bad = any(o.problem or o.errors or o.p95_ms > TARGET_P95_MS for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
