"""The DuckDB baseline: the cleaning and the 比对 of `baseline_pandas.py`, in DuckDB SQL over CSV files.

    uv run --group bench python benchmarks/baseline_duckdb.py --data DIR

DuckDB reads .xlsx only through its `excel` extension, which it downloads on first use — the benchmark
machine has no network — so this baseline always reads the CSV copies of the files (`--format
xlsx,csv` in generate.py writes both); the school list is read from schools.xlsx with python-calamine
(360 rows). Full-width → half-width folds the full-width ASCII block and the ideographic space (DuckDB
has no NFKC; `translate` with that 95-character map is slow, so it runs only on values that hold a
full-width character); everything else is as in the pandas baseline. In memory, nothing kept.
"""

# ruff: noqa: S608 (the SQL is built from this file's constants and the rule tables, never from input)

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_common as common  # noqa: E402
import duckdb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS = ROOT / "eduaid" / "org" / "data" / "suiping_divisions.csv"
FULL = "".join(chr(0xFF01 + i) for i in range(94)) + "\u3000"
HALF = "".join(chr(0x21 + i) for i in range(94)) + " "


def q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def mapping(column: str, table: dict[str, str], *, blank: str | None = None) -> str:
    """CASE over a value list: the mapped value, `blank` for '', NULL for anything else."""
    whens = " ".join(f"WHEN {q(k)} THEN {q(v)}" for k, v in table.items())
    empty = f"WHEN '' THEN {q(blank)} " if blank is not None else ""
    return f"(CASE {column} {empty}{whens} ELSE NULL END)"


def macros(con: duckdb.DuckDBPyConnection) -> None:
    checksum = " + ".join(f"(ascii(x[{i + 1}]) - 48) * {w}" for i, w in enumerate(common.ID_WEIGHTS))
    areas = " OR ".join(
        f"(x[1:6] = {q(code)} AND TRY_CAST(x[7:10] AS INTEGER) BETWEEN {first} AND {last})"
        for code, (first, last) in common.AREA_CODES.items()
    )
    suffixes = "|".join(sorted(common.VILLAGE_SUFFIXES, key=len, reverse=True))
    con.execute(
        f"""
        CREATE MACRO half(x) AS CASE WHEN regexp_matches(x, '[！-～　]')
            THEN translate(x, {q(FULL)}, {q(HALF)}) ELSE x END;
        CREATE MACRO norm(x) AS trim(regexp_replace(half(coalesce(x, '')), '\\s+', ' ', 'g'));
        CREATE MACRO norm_id(x) AS upper(regexp_replace(half(coalesce(x, '')), '\\s', '', 'g'));
        CREATE MACRO id_ok(x) AS coalesce(
            regexp_full_match(x, '[0-9]{{17}}[0-9X]')
            AND substr('{common.CHECK_CHARS}', (({checksum}) % 11) + 1, 1) = x[18]
            AND try_strptime(x[7:14], '%Y%m%d') IS NOT NULL
            AND CAST(try_strptime(x[7:14], '%Y%m%d') AS DATE) <= DATE '{common.TODAY}'
            AND ({areas}), false);
        CREATE MACRO birth(x) AS CAST(try_strptime(x[7:14], '%Y%m%d') AS DATE);
        CREATE MACRO age_on(b, d) AS year(d) - year(b)
            - CAST(month(b) > month(d) OR (month(b) = month(d) AND day(b) > day(d)) AS INTEGER);
        CREATE MACRO village_key(v) AS replace(replace(
            CASE WHEN regexp_matches(v, '^.+({suffixes})$')
                THEN regexp_replace(v, '({suffixes})$', '') ELSE v END,
            '灈', '瞿'), '嵖', '查');
        CREATE MACRO day_of(x) AS CAST(try_strptime(x, '%Y-%m-%d') AS DATE);
        """
    )


def load_reference(con: duckdb.DuckDBPyConnection, data: Path) -> None:
    import python_calamine

    con.execute(
        f"""
        CREATE TABLE divisions AS
            SELECT * FROM read_csv({q(str(DIVISIONS))}, header = true, all_varchar = true);
        CREATE TABLE villages AS
            SELECT t.name AS township, village_key(v.name) AS village
            FROM divisions v JOIN divisions t ON v.parent_code = t.code
            WHERE v.level = 'village' AND t.level = 'township';
        CREATE TABLE townships AS SELECT name FROM divisions WHERE level = 'township';
        """
    )
    book = python_calamine.CalamineWorkbook.from_path(str(data / "schools.xlsx"))
    rows = book.get_sheet_by_index(0).to_python()
    header = [str(h) for h in rows[0]]
    code, kind = header.index("学校标识码"), header.index("学校类型")
    con.execute("CREATE TABLE schools (code VARCHAR, kind VARCHAR)")
    con.executemany(
        "INSERT INTO schools VALUES (?, ?)", [(str(r[code]).strip(), str(r[kind]).strip()) for r in rows[1:]]
    )
    allowed = [(kind, stage) for kind, stages in common.SCHOOL_TYPE_STAGES.items() for stage in stages]
    con.execute("CREATE TABLE allowed (kind VARCHAR, stage VARCHAR)")
    con.executemany("INSERT INTO allowed VALUES (?, ?)", allowed)
    con.execute("CREATE TABLE grades (label VARCHAR, grade INTEGER)")
    con.executemany("INSERT INTO grades VALUES (?, ?)", list(common.GRADES.items()))
    con.execute(
        "CREATE TABLE stage_grades "
        "(stage VARCHAR, low INTEGER, high INTEGER, age_low INTEGER, age_high INTEGER)"
    )
    con.executemany(
        "INSERT INTO stage_grades VALUES (?, ?, ?, ?, ?)",
        [(s, *common.STAGE_GRADES[s], *common.AGE_BANDS[s]) for s in common.STAGE_GRADES],
    )


def read(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    con.execute(
        f"CREATE TABLE {table} AS SELECT * FROM read_csv({q(str(path))}, header = true, all_varchar = true)"
    )


def counts(con: duckdb.DuckDBPyConnection, raw: str, clean: str) -> dict:
    rows, distinct, accepted = con.execute(
        f"SELECT (SELECT count(*) FROM {raw}), (SELECT count(*) FROM {clean}), "
        f"(SELECT count(*) FROM {clean} WHERE ok)"
    ).fetchone()
    return {
        "rows": rows,
        "accepted": accepted,
        "rejected": distinct - accepted,
        "duplicates": rows - distinct,
    }


def clean_registry(con: duckdb.DuckDBPyConnection) -> dict:
    day = f"DATE '{common.TODAY}'"
    con.execute(
        f"""
        CREATE TABLE registry AS
        WITH n AS (
            SELECT DISTINCT norm("户编号") AS code, norm("姓名") AS name, norm_id("证件号码") AS id,
                norm("与户主关系") AS relation, norm("户类型") AS t, norm("监测对象类别") AS c,
                norm("是否享受政策") AS p, norm("风险是否消除") AS g, norm("风险消除日期") AS gd,
                norm("纳入监测日期") AS sd, norm("乡镇") AS township, norm("行政村") AS village
            FROM registry_raw
        ), f AS (
            SELECT *, id_ok(id) AS valid,
                {mapping("c", common.MONITORING, blank="")} AS category,
                day_of(sd) AS since_all, day_of(gd) AS gone_all
            FROM n
        ), k AS (
            SELECT *,
                coalesce({mapping("t", common.HOUSEHOLD_TYPES)},
                         CASE WHEN t = '' THEN {mapping("category", common.IMPLIED_TYPE)} END)
                    AS household_type,
                {mapping("category", common.IMPLIED_TYPE)} AS implied,
                coalesce(category, '') <> '' AS monitored
            FROM f
        ), j AS (
            SELECT *,
                household_type <> 'poverty_exited' OR p <> '否' AS enjoys,
                CASE WHEN monitored THEN since_all END AS since,
                CASE WHEN monitored THEN gone_all END AS eliminated,
                township || '/' || village_key(village) AS place,
                valid AND code <> '' AND name <> ''
                AND township IN (SELECT name FROM townships)
                AND (township, village_key(village)) IN (SELECT (township, village) FROM villages)
                AND category IS NOT NULL
                AND household_type IS NOT NULL AND (implied IS NULL OR implied = household_type)
                AND p IN ('是', '否', '') AND g IN ('是', '否', '')
                AND (sd = '' OR (since_all IS NOT NULL AND since_all <= {day}))
                AND (gd = '' OR (gone_all IS NOT NULL AND gone_all <= {day}))
                AND NOT (monitored AND g = '是' AND gone_all IS NULL)
                AND NOT (monitored AND g = '否' AND gone_all IS NOT NULL)
                AND NOT coalesce(monitored AND gone_all < since_all, false) AS row_ok
            FROM k
        ), s AS (
            SELECT *, concat_ws('|', household_type, category, enjoys, since, eliminated, place) AS signature
            FROM j
        ), votes AS (
            SELECT code, signature, count(*) AS votes FROM s GROUP BY ALL
        ), winners AS (
            SELECT code, signature FROM (
                SELECT *, max(votes) OVER (PARTITION BY code) AS best,
                       count(*) OVER (PARTITION BY code, votes) AS tied
                FROM votes)
            WHERE votes = best AND tied = 1
        )
        SELECT s.*, row_ok
            AND w.code IS NOT NULL
            AND NOT (valid AND count(*) OVER (PARTITION BY CASE WHEN valid THEN id END) > 1) AS ok
        FROM s LEFT JOIN winners w ON s.code = w.code AND s.signature = w.signature
        """
    )
    return counts(con, "registry_raw", "registry")


def clean_population(con: duckdb.DuckDBPyConnection) -> dict:
    con.execute(
        """
        CREATE TABLE population AS
        WITH n AS (
            SELECT DISTINCT norm("姓名") AS name, norm_id("身份证号") AS id, norm("乡镇") AS township,
                norm("行政村") AS village
            FROM population_raw
        ), f AS (SELECT *, id_ok(id) AS valid FROM n)
        SELECT *, valid AND name <> ''
            AND township IN (SELECT name FROM townships)
            AND (township, village_key(village)) IN (SELECT (township, village) FROM villages)
            AND NOT (valid AND count(*) OVER (PARTITION BY CASE WHEN valid THEN id END) > 1) AS ok
        FROM f
        """
    )
    return counts(con, "population_raw", "population")


def clean_students(con: duckdb.DuckDBPyConnection) -> dict:
    con.execute(
        f"""
        CREATE TABLE students AS
        WITH n AS (
            SELECT norm("姓名") AS name, norm_id("身份证号") AS id_raw, norm_id("学籍号") AS number,
                norm("性别") AS gender, norm("学校标识码") AS code, norm("学段") AS stage_text,
                norm("年级") AS grade_text, norm("班级") AS class_name, norm("是否住校") AS boarding,
                norm("学籍状态") AS status_text, norm("就读院校") AS college, norm("是否省内") AS in_province,
                norm("是否新生") AS freshman,
                min(rowid) AS line  -- exact repeats taken once, at their first place in the file
            FROM students_raw
            GROUP BY ALL
        ), f AS (
            SELECT n.*, id_ok(id_raw) AS valid, s.kind AS school_kind,
                {mapping("stage_text", common.STAGES)} AS stage,
                g.grade,
                CASE WHEN status_text = '' THEN 'studying'
                     ELSE {mapping("status_text", common.STATUSES)} END AS status
            FROM n
            LEFT JOIN schools s ON n.code = s.code
            LEFT JOIN grades g ON n.grade_text = g.label
        ), k AS (
            SELECT f.*,
                CASE WHEN valid THEN id_raw ELSE '' END AS id,
                CASE WHEN valid THEN id_raw ELSE 'key:' || number END AS person,
                CASE WHEN code <> '' THEN code ELSE 'college:' || college END AS place,
                (valid OR (number[1] IN ('J', 'L'))) AND name <> ''
                AND ((code <> '' AND school_kind IS NOT NULL) OR (code = '' AND college <> ''))
                AND stage IS NOT NULL AND (grade IS NOT NULL OR grade_text = '')
                AND (CASE WHEN code <> '' THEN (school_kind, stage) IN (SELECT (kind, stage) FROM allowed)
                          ELSE stage IN {tuple(common.COLLEGE_STAGES)} END)
                AND (grade IS NULL OR grade BETWEEN sg.low AND sg.high)
                AND status IS NOT NULL
                AND boarding IN ('是', '否', '') AND in_province IN ('是', '否', '')
                AND freshman IN ('是', '否', '')
                AND gender IN ('男', '女', '') AS row_ok
            FROM f LEFT JOIN stage_grades sg USING (stage)
        )
        SELECT *, row_ok AND NOT (count(*) FILTER (WHERE row_ok) OVER (PARTITION BY person, place) > 1) AS ok
        FROM k
        """
    )
    return counts(con, "students_raw", "students")


def match(con: duckdb.DuckDBPyConnection) -> dict:
    day, age_day = f"DATE '{common.TERM_START}'", f"DATE '{common.AGE_DAY}'"
    low, high = common.COMPULSORY_AGES
    con.execute(
        f"""
        CREATE TABLE members AS
        SELECT id, CASE
            WHEN category <> '' AND (since IS NULL OR since <= {day})
                AND (eliminated IS NULL OR eliminated > {day})
                THEN category
            WHEN household_type = 'poverty_exited' AND enjoys THEN 'poverty_exited' END AS category
        FROM registry WHERE ok;
        CREATE TABLE enrolled AS SELECT * FROM students WHERE ok;
        """
    )
    by_category = dict(
        con.execute(
            """
            SELECT category, count(*) FROM members
            WHERE category IS NOT NULL AND id IN (SELECT person FROM enrolled WHERE status = 'studying')
            GROUP BY category
            """
        ).fetchall()
    )
    duplicates = con.execute(
        """
        SELECT count(*) FROM (
            SELECT person FROM enrolled WHERE status IN ('studying', 'suspended')
            GROUP BY person HAVING count(DISTINCT place) > 1
            UNION
            SELECT person FROM enrolled WHERE number <> '' AND number IN (
                SELECT number FROM enrolled WHERE number <> ''
                GROUP BY number HAVING count(DISTINCT person) > 1)
        )
        """
    ).fetchone()[0]
    identity = con.execute(
        f"""
        SELECT count(DISTINCT person) FROM enrolled e LEFT JOIN stage_grades sg ON e.stage = sg.stage
        WHERE id = ''
           OR (number[1] = 'G' AND substr(number, 2) <> id)
           OR (gender <> ''
               AND gender <> CASE WHEN TRY_CAST(id[17] AS INTEGER) % 2 = 1 THEN '男' ELSE '女' END)
           OR age_on(birth(id), {age_day}) NOT BETWEEN sg.age_low AND sg.age_high
        """
    ).fetchone()[0]
    dropouts = con.execute(
        f"""
        WITH dropped AS (
            SELECT person FROM enrolled WHERE status = 'dropped_out' AND stage IN ('primary', 'junior')
        ), accounted AS (
            SELECT person FROM enrolled WHERE status IN ('studying', 'suspended')
            UNION SELECT person FROM dropped
            UNION SELECT person FROM enrolled WHERE status = 'graduated' AND stage = 'junior'
        ), candidates AS (
            SELECT id FROM registry WHERE ok UNION SELECT id FROM population WHERE ok
        )
        SELECT count(*) FROM (
            SELECT id FROM candidates
            WHERE age_on(birth(id), {age_day}) BETWEEN {low} AND {high}
                AND id NOT IN (SELECT person FROM accounted)
            UNION SELECT person FROM dropped
        )
        """
    ).fetchone()[0]
    return {
        "term": common.TERM,
        "eligible": sum(by_category.values()),
        "by_category": {c: int(by_category.get(c, 0)) for c in common.CATEGORIES},
        "duplicates": duplicates,
        "identity_problems": identity,
        "suspected_dropouts": dropouts,
    }


def price(con: duckdb.DuckDBPyConnection) -> dict:
    """One row per eligible 在读 student and item due on the term, priced from the first 在读 row;
    `held`: two 在读 rows (the school resolves them before confirming)."""
    con.execute(
        "CREATE TABLE prices (stage VARCHAR, boarding VARCHAR, in_province VARCHAR, freshman VARCHAR, "
        "item VARCHAR, item_name VARCHAR, kind VARCHAR, paid_by VARCHAR, fen BIGINT)"
    )
    con.executemany("INSERT INTO prices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", common.price_table())
    con.execute(
        """
        CREATE TABLE due AS
        WITH studying AS (SELECT * FROM enrolled WHERE status = 'studying'),
        counts AS (SELECT person, count(*) AS n FROM studying GROUP BY person),
        first AS (SELECT * FROM studying QUALIFY row_number() OVER (PARTITION BY person ORDER BY line) = 1)
        SELECT f.person, f.name, f.code, p.item, p.item_name, p.kind, p.paid_by, p.fen, c.n > 1 AS held
        FROM first f
        JOIN members m ON m.id = f.person AND m.category IS NOT NULL
        JOIN counts c ON c.person = f.person
        JOIN prices p ON p.stage = f.stage AND p.boarding = f.boarding
            AND p.in_province = f.in_province AND p.freshman = f.freshman
        """
    )
    rows, students, total = con.execute(
        f"SELECT count(*), count(DISTINCT person), "
        f"coalesce(sum(fen) FILTER (WHERE kind NOT IN {tuple(common.UNCOUNTED_KINDS)}), 0) FROM due"
    ).fetchone()
    return {"rows": rows, "students": students, "total_fen": int(total)}


def read_accounts(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    read(con, "accounts_raw", path)
    con.execute(
        """
        CREATE TABLE accounts AS
        SELECT norm_id("身份证号") AS id, norm("持卡人姓名") AS holder,
            norm_id("持卡人身份证号") AS holder_id, norm("开户行") AS bank, norm_id("账号") AS number
        FROM accounts_raw
        WHERE id_ok(norm_id("身份证号")) AND id_ok(norm_id("持卡人身份证号"))
            AND regexp_full_match(norm_id("账号"), '[0-9]{12,19}')
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY rowid DESC) = 1
        """
    )


def batch(con: duckdb.DuckDBPyConnection) -> dict:
    """County cash of students whose rows were confirmed (not held), paid to their accounts."""
    con.execute(
        f"""
        CREATE TABLE lines AS
        SELECT row_number() OVER (ORDER BY d.code, d.name, d.person, d.item) AS serial,
            a.holder, a.holder_id, a.number, a.bank, d.fen,
            substr({q(common.TERM)} || ' ' || d.item_name
                || CASE WHEN a.holder_id = d.person THEN '' ELSE '（学生：' || d.name || '）' END,
                1, 100) AS memo
        FROM due d JOIN accounts a ON a.id = d.person
        WHERE d.kind = 'cash' AND d.paid_by = 'county' AND d.fen > 0 AND NOT d.held
        """
    )
    lines, total = con.execute("SELECT count(*), coalesce(sum(fen), 0) FROM lines").fetchone()
    return {"lines": lines, "total_fen": int(total)}


def bank_file(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """The bank file as CSV (DuckDB writes no .xlsx without its extension)."""
    names = common.BANK_HEADERS
    con.execute(
        f"""
        COPY (
            SELECT serial::VARCHAR AS "{names[0]}", holder AS "{names[1]}", holder_id AS "{names[2]}",
                number AS "{names[3]}", bank AS "{names[4]}",
                (fen // 100)::VARCHAR || '.' || lpad((fen % 100)::VARCHAR, 2, '0') AS "{names[5]}",
                memo AS "{names[6]}"
            FROM lines ORDER BY serial
        ) TO {q(str(out / "bank_duckdb.csv"))} (HEADER, DELIMITER ',')
        """
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--format", choices=("csv",), default="csv", help="DuckDB reads the CSV copies")
    parser.add_argument("--out", type=Path, required=True, help="the folder for the bank file")
    args = parser.parse_args()
    phases = common.Phases()
    con = duckdb.connect()
    macros(con)
    with phases("read schools"):
        load_reference(con, args.data)
    with phases("read registry"):
        read(con, "registry_raw", args.data / "registry.csv")
    with phases("clean registry"):
        registry_counts = clean_registry(con)
    with phases("read population"):
        read(con, "population_raw", args.data / "population.csv")
    with phases("clean population"):
        population_counts = clean_population(con)
    with phases("read students"):
        read(con, "students_raw", args.data / "students.csv")
    with phases("clean students"):
        student_counts = clean_students(con)
    with phases("match"):
        answers = match(con)
    with phases("price"):
        priced = price(con)
    with phases("read accounts"):
        read_accounts(con, args.data / "accounts.csv")
    with phases("batch"):
        paid = batch(con)
    with phases("bank file"):
        bank_file(con, args.out)
    common.emit(
        {
            "system": "duckdb",
            "version": duckdb.__version__,
            "format": "csv",
            "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
            "registry": registry_counts,
            "population": population_counts,
            "students": student_counts,
            "match": answers,
            "price": priced,
            "batch": paid,
            "phases": phases.seconds,
            "seconds": phases.total(),
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
