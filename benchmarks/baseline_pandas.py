"""The pandas baseline: the same cleaning and the same 比对 answers as EduAid, as one plain script.

    uv run --group bench python benchmarks/baseline_pandas.py --data DIR --format xlsx|csv

Reads schools, registry, population and students (`pd.read_excel(engine="calamine", dtype=str)` or
`pd.read_csv(dtype=str)`), cleans them with vectorised string operations — trim, full-width →
half-width (NFKC), upper-case X; ID numbers checked for length, digits, check digit, birth date (not in
the future) and the county's area code of the birth year; values outside their lists, unknown schools,
townships and villages, stages a school does not teach, monitoring dates that contradict each other
rejected; exact repeats dropped; rows sharing a key with different content rejected — and then joins
them for the term 2023-2024-2 (eligibility on 2024-03-01, ages on 2023-08-31): eligible students by
category, duplicates, identity problems and suspected dropouts, counting persons.

It keeps nothing: no database, no history, no audit, no snapshots, no row-level error messages
(only counts). It prints one JSON object: counts, answers and the seconds of each phase.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_common as common  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

DIVISIONS = Path(__file__).resolve().parent.parent / "eduaid" / "org" / "data" / "suiping_divisions.csv"


# --- reading and normalising ---------------------------------------------------------------------


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        frame = pd.read_excel(path, engine="calamine", dtype=str)
    return frame.fillna("")


def clean(series: pd.Series) -> pd.Series:
    """Trim, NFKC (full-width → half-width), inner whitespace collapsed."""
    return series.str.normalize("NFKC").str.replace(r"\s+", " ", regex=True).str.strip()


def clean_frame(frame: pd.DataFrame, id_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    out = pd.DataFrame({column: clean(frame[column]) for column in frame.columns})
    for column in id_columns:
        out[column] = out[column].str.replace(" ", "", regex=False).str.upper()
    return out


def drop_repeats(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Exact repeats (after normalising) are taken once."""
    repeated = frame.duplicated(keep="first")
    return frame[~repeated], int(repeated.sum())


def id_ok(ids: pd.Series) -> pd.Series:
    """Valid resident ID numbers: 17 digits + digit/X, check digit, birth date not in the future,
    the county's area code of the birth year."""
    ok = ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).to_numpy(dtype=bool)
    result = np.zeros(len(ids), dtype=bool)
    if ok.any():
        good = ids[ok]
        codes = np.frombuffer("".join(good).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = codes[:, :17].astype(np.int64) - 48
        check = np.frombuffer(common.CHECK_CHARS.encode("ascii"), dtype=np.uint8)[
            (digits * np.array(common.ID_WEIGHTS)).sum(axis=1) % 11
        ]
        checked = check == codes[:, 17]
        born = pd.to_datetime(good.str.slice(6, 14), format="%Y%m%d", errors="coerce")
        dated = born.notna().to_numpy() & (born <= pd.Timestamp(common.TODAY)).to_numpy()
        year = good.str.slice(6, 10).astype(int).to_numpy()
        area = good.str.slice(0, 6)
        placed = np.zeros(len(good), dtype=bool)
        for code, (first, last) in common.AREA_CODES.items():
            placed |= (area == code).to_numpy() & (year >= first) & (year <= last)
        result[ok] = checked & dated & placed
    return pd.Series(result, index=ids.index)


def birth_dates(ids: pd.Series) -> pd.Series:
    return pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")


def age_on(born: pd.Series, day) -> pd.Series:
    before = (born.dt.month > day.month) | ((born.dt.month == day.month) & (born.dt.day > day.day))
    return day.year - born.dt.year - before.astype(int)


def places() -> tuple[set[str], set[tuple[str, str]]]:
    townships: dict[str, str] = {}
    villages: set[tuple[str, str]] = set()
    with DIVISIONS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["level"] == "township":
            townships[row["code"]] = row["name"]
    for row in rows:
        if row["level"] == "village" and row["parent_code"] in townships:
            villages.add((townships[row["parent_code"]], common.village_key(row["name"])))
    return set(townships.values()), villages


def place_ok(frame: pd.DataFrame, townships: set[str], villages: set[tuple[str, str]]) -> pd.Series:
    keys = frame["行政村"].map(common.village_key)
    pairs = pd.MultiIndex.from_arrays([frame["乡镇"], keys])
    return frame["乡镇"].isin(townships) & pd.Series(pairs.isin(list(villages)), index=frame.index)


def conflicts(keys: pd.Series, keyed: pd.Series) -> pd.Series:
    """Rows (already without exact repeats) that share a key: the file contradicts itself.
    `keyed`: the rows that have a key."""
    return keys.where(keyed).duplicated(keep=False) & keyed


def parse_dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.where(series != ""), format="%Y-%m-%d", errors="coerce")


# --- the three files -----------------------------------------------------------------------------


def registry(
    raw: pd.DataFrame, townships: set[str], villages: set[tuple[str, str]]
) -> tuple[pd.DataFrame, dict]:
    rows = len(raw)
    df, repeats = drop_repeats(clean_frame(raw, ("证件号码",)))
    valid = id_ok(df["证件号码"])
    ok = valid & (df["户编号"] != "") & (df["姓名"] != "")
    ok &= place_ok(df, townships, villages)
    category = df["监测对象类别"].map(common.MONITORING)
    ok &= category.notna() | (df["监测对象类别"] == "")
    category = category.fillna("")
    household_type = df["户类型"].map(common.HOUSEHOLD_TYPES)
    implied = category.map(common.IMPLIED_TYPE)
    household_type = household_type.fillna(implied.where(df["户类型"] == ""))
    ok &= household_type.notna() & (implied.isna() | (implied == household_type))
    for column in ("是否享受政策", "风险是否消除"):
        ok &= df[column].isin(["是", "否", ""])
    since, eliminated = parse_dates(df["纳入监测日期"]), parse_dates(df["风险消除日期"])
    today = pd.Timestamp(common.TODAY)
    for column, parsed in (("纳入监测日期", since), ("风险消除日期", eliminated)):
        ok &= ((df[column] == "") | parsed.notna()) & ~(parsed > today)
    monitored = category != ""
    gone = df["风险是否消除"]
    ok &= ~(monitored & (gone == "是") & eliminated.isna())
    ok &= ~(monitored & (gone == "否") & eliminated.notna())
    ok &= ~(monitored & (eliminated < since))
    facts = pd.DataFrame(
        {
            "household": df["户编号"],
            "id": df["证件号码"],
            "household_type": household_type,
            "category": category,
            "enjoys": (household_type != "poverty_exited") | (df["是否享受政策"] != "否"),
            "since": since.where(monitored),
            "eliminated": eliminated.where(monitored),
            "village": df["乡镇"] + "/" + df["行政村"].map(common.village_key),
        }
    )
    # rows of one household agree on its facts: the facts most rows give win, the others are rejected
    signature = (
        facts["household_type"].fillna("")
        + "|"
        + facts["category"]
        + "|"
        + facts["enjoys"].astype(str)
        + "|"
        + facts["since"].dt.strftime("%Y%m%d").fillna("")
        + "|"
        + facts["eliminated"].dt.strftime("%Y%m%d").fillna("")
        + "|"
        + facts["village"]
    )
    votes = signature.groupby([facts["household"], signature]).transform("size")
    best = votes.groupby(facts["household"]).transform("max")
    winners = signature.where(votes == best).groupby(facts["household"]).transform("nunique")
    ok &= (votes == best) & (winners == 1)
    ok &= ~conflicts(df["证件号码"], valid)
    accepted = facts[ok.to_numpy()]
    return accepted, {
        "rows": rows,
        "accepted": int(ok.sum()),
        "rejected": int((~ok).sum()),
        "duplicates": repeats,
    }


def population(
    raw: pd.DataFrame, townships: set[str], villages: set[tuple[str, str]]
) -> tuple[pd.DataFrame, dict]:
    rows = len(raw)
    df, repeats = drop_repeats(clean_frame(raw, ("身份证号",)))
    valid = id_ok(df["身份证号"])
    ok = valid & (df["姓名"] != "") & place_ok(df, townships, villages)
    ok &= ~conflicts(df["身份证号"], valid)
    accepted = pd.DataFrame({"id": df["身份证号"][ok]})
    return accepted, {
        "rows": rows,
        "accepted": int(ok.sum()),
        "rejected": int((~ok).sum()),
        "duplicates": repeats,
    }


def students(raw: pd.DataFrame, schools: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    rows = len(raw)
    df, repeats = drop_repeats(clean_frame(raw, ("身份证号", "学籍号")))
    valid_id = id_ok(df["身份证号"])
    number = df["学籍号"]
    without_id = ~valid_id & number.str.match(r"^[JL]")
    ok = (valid_id | without_id) & (df["姓名"] != "")
    school_type = df["学校标识码"].map(schools.set_index("学校标识码")["学校类型"])
    college = df["就读院校"]
    at_school = df["学校标识码"] != ""
    ok &= (at_school & school_type.notna()) | (~at_school & (college != ""))
    stage = df["学段"].map(common.STAGES)
    grade = df["年级"].map(common.GRADES)
    ok &= stage.notna() & (grade.notna() | (df["年级"] == ""))
    allowed = pd.Series(False, index=df.index)
    for kind, stages in common.SCHOOL_TYPE_STAGES.items():
        allowed |= (school_type == kind) & stage.isin(stages)
    allowed |= ~at_school & stage.isin(common.COLLEGE_STAGES)
    ok &= allowed
    low = stage.map({s: r[0] for s, r in common.STAGE_GRADES.items()})
    high = stage.map({s: r[1] for s, r in common.STAGE_GRADES.items()})
    ok &= grade.isna() | ((grade >= low) & (grade <= high))
    status = df["学籍状态"].map(common.STATUSES).where(df["学籍状态"] != "", "studying")
    ok &= status.notna()
    for column in ("是否住校", "是否省内", "是否新生"):
        ok &= df[column].isin(["是", "否", ""])
    ok &= df["性别"].isin(["男", "女", ""])
    person = df["身份证号"].where(valid_id, "key:" + number)
    place = df["学校标识码"].where(at_school, "college:" + college)
    keyed = pd.DataFrame({"person": person, "place": place})
    ok &= ~(ok & keyed[ok].duplicated(keep=False).reindex(df.index, fill_value=False))
    accepted = pd.DataFrame(
        {
            "person": person,
            "id": df["身份证号"].where(valid_id, ""),
            "place": place,
            "stage": stage,
            "status": status,
            "number": number,
            "gender": df["性别"].map(common.GENDERS).fillna(""),
            "name": df["姓名"],
            "code": df["学校标识码"],
            "boarding": df["是否住校"],
            "in_province": df["是否省内"],
            "freshman": df["是否新生"],
        }
    )[ok.to_numpy()]
    return accepted, {
        "rows": rows,
        "accepted": int(ok.sum()),
        "rejected": int((~ok).sum()),
        "duplicates": repeats,
    }


# --- the 比对 ------------------------------------------------------------------------------------


def match(members: pd.DataFrame, children: pd.DataFrame, enrolled: pd.DataFrame) -> dict:
    category = categories_on_start(members)
    studying = set(enrolled.loc[enrolled["status"] == "studying", "person"])
    eligible = members[(category != "") & members["id"].isin(studying)]
    by_category = category[eligible.index].value_counts()

    # duplicates: 在读/休学 at two places, or one 学籍号 held by two persons
    current = enrolled[enrolled["status"].isin(["studying", "suspended"])]
    places_per_person = current.groupby("person")["place"].nunique()
    two_places = set(places_per_person.index[places_per_person > 1])
    numbered = enrolled[enrolled["number"] != ""]
    holders = numbered.groupby("number")["person"].nunique()
    shared = set(numbered.loc[numbered["number"].isin(holders.index[holders > 1]), "person"])

    # identity problems
    with_id = enrolled[enrolled["id"] != ""]
    born = birth_dates(with_id["id"])
    age = age_on(born, common.AGE_DAY)
    low = with_id["stage"].map({s: b[0] for s, b in common.AGE_BANDS.items()})
    high = with_id["stage"].map({s: b[1] for s, b in common.AGE_BANDS.items()})
    male = with_id["id"].str.slice(16, 17).astype(int) % 2 == 1
    said = np.where(male, "male", "female")
    identity = (
        (with_id["number"].str.startswith("G") & (with_id["number"].str.slice(1) != with_id["id"]))
        | ((with_id["gender"] != "") & (with_id["gender"] != said))
        | (age < low)
        | (age > high)
    )
    identity_persons = set(with_id.loc[identity, "person"]) | set(
        enrolled.loc[enrolled["id"] == "", "person"]
    )

    # suspected dropouts: compulsory-age children of the registry and the population list not enrolled
    dropped = enrolled[(enrolled["status"] == "dropped_out") & enrolled["stage"].isin(["primary", "junior"])]
    graduates = enrolled[(enrolled["status"] == "graduated") & (enrolled["stage"] == "junior")]
    accounted = set(current["person"]) | set(dropped["person"]) | set(graduates["person"])
    candidates = pd.Series(pd.unique(pd.concat([members["id"], children["id"]])))
    ages = age_on(birth_dates(candidates), common.AGE_DAY)
    low_age, high_age = common.COMPULSORY_AGES
    school_age = candidates[(ages >= low_age) & (ages <= high_age)]
    not_enrolled = set(school_age[~school_age.isin(accounted)])
    return {
        "term": common.TERM,
        "eligible": len(eligible),
        "by_category": {c: int(by_category.get(c, 0)) for c in common.CATEGORIES},
        "duplicates": len(two_places | shared),
        "identity_problems": len(identity_persons),
        "suspected_dropouts": len(not_enrolled | set(dropped["person"])),
    }


# --- pricing and the batch ---------------------------------------------------------------------


def categories_on_start(members: pd.DataFrame) -> pd.Series:
    """Each member's category on the term's start date ('' when the household is not eligible)."""
    day = pd.Timestamp(common.TERM_START)
    monitored = members["category"] != ""
    identified = members["since"].isna() | (members["since"] <= day)
    active = members["eliminated"].isna() | (members["eliminated"] > day)
    category = members["category"].where(monitored & identified & active, "")
    exited = (members["household_type"] == "poverty_exited") & members["enjoys"]
    return category.where(category != "", np.where(exited, "poverty_exited", ""))


def price(members: pd.DataFrame, enrolled: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """One row per eligible 在读 student and item due on the term, priced from the student's first 在读
    row; `held`: the student has two 在读 rows (the school must resolve them before confirming)."""
    eligible = set(members.loc[categories_on_start(members) != "", "id"])
    studying = enrolled[enrolled["status"] == "studying"]
    rows_per_person = studying["person"].value_counts()
    first = studying.drop_duplicates("person", keep="first")
    first = first[first["person"].isin(eligible)]
    facts = ["stage", "boarding", "in_province", "freshman"]
    columns = [*facts, "item", "item_name", "kind", "paid_by", "fen"]
    table = pd.DataFrame(common.price_table(), columns=columns)
    due = first.merge(table, on=facts, how="inner")
    due["held"] = due["person"].map(rows_per_person) > 1
    counted = due.loc[~due["kind"].isin(common.UNCOUNTED_KINDS), "fen"].dropna()
    return due, {"rows": len(due), "students": int(due["person"].nunique()), "total_fen": int(counted.sum())}


def read_accounts(raw: pd.DataFrame) -> pd.DataFrame:
    df = clean_frame(raw, ("身份证号", "持卡人身份证号", "账号"))
    df = df[id_ok(df["身份证号"]) & id_ok(df["持卡人身份证号"]) & df["账号"].str.fullmatch(r"\d{12,19}")]
    return df.drop_duplicates("身份证号", keep="last").rename(columns={"身份证号": "person"})


def batch(due: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """County cash of the students whose rows were confirmed (not held), paid to their accounts; the
    serial follows school code, name, person and item."""
    cash = due[(due["kind"] == "cash") & (due["paid_by"] == "county") & (due["fen"] > 0) & ~due["held"]]
    lines = cash.merge(accounts, on="person", how="inner")
    lines = lines.sort_values(["code", "name", "person", "item"], kind="stable").reset_index(drop=True)
    same = lines["持卡人身份证号"] == lines["person"]
    memo = common.TERM + " " + lines["item_name"]
    memo = memo.where(same, memo + "（学生：" + lines["name"] + "）").str.slice(0, 100)
    fen = lines["fen"].astype("int64")
    amount = (fen // 100).astype(str) + "." + (fen % 100).astype(str).str.zfill(2)
    return pd.DataFrame(
        {
            "序号": (lines.index + 1).astype(str),
            "姓名": lines["持卡人姓名"],
            "身份证号": lines["持卡人身份证号"],
            "账号": lines["账号"],
            "开户行": lines["开户行"],
            "金额": amount,
            "摘要": memo,
            "fen": fen,
        }
    )


def bank_file(lines: pd.DataFrame, out: Path, fmt: str) -> Path:
    """The bank file as EduAid writes it at this scale: .xlsx (text cells, constant memory) or CSV."""
    table = lines[common.BANK_HEADERS]
    path = out / f"bank_pandas.{fmt}"
    if fmt == "csv":
        table.to_csv(path, index=False, encoding="utf-8-sig")
        return path
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(common.TERM)
    sheet.write_row(0, 0, common.BANK_HEADERS)
    for row, values in enumerate(table.itertuples(index=False, name=None), start=1):
        for col, value in enumerate(values):
            sheet.write_string(row, col, value)
    book.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--format", choices=("xlsx", "csv"), required=True)
    parser.add_argument("--out", type=Path, required=True, help="the folder for the bank file")
    args = parser.parse_args()
    phases = common.Phases()
    ext = args.format
    townships, villages = places()
    with phases("read schools"):
        schools = clean_frame(read(args.data / "schools.xlsx"))
    with phases("read registry"):
        raw = read(args.data / f"registry.{ext}")
    with phases("clean registry"):
        members, registry_counts = registry(raw, townships, villages)
    with phases("read population"):
        raw = read(args.data / f"population.{ext}")
    with phases("clean population"):
        children, population_counts = population(raw, townships, villages)
    with phases("read students"):
        raw = read(args.data / f"students.{ext}")
    with phases("clean students"):
        enrolled, student_counts = students(raw, schools)
    del raw
    with phases("match"):
        answers = match(members, children, enrolled)
    with phases("price"):
        due, priced = price(members, enrolled)
    with phases("read accounts"):
        accounts = read_accounts(read(args.data / f"accounts.{ext}"))
    with phases("batch"):
        lines = batch(due, accounts)
    with phases("bank file"):
        bank_file(lines, args.out, ext)
    common.emit(
        {
            "system": "pandas",
            "version": pd.__version__,
            "format": ext,
            "registry": registry_counts,
            "population": population_counts,
            "students": student_counts,
            "match": answers,
            "price": priced,
            "batch": {"lines": len(lines), "total_fen": int(lines["fen"].sum())},
            "phases": phases.seconds,
            "seconds": phases.total(),
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
