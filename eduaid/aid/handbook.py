"""《帮扶政策宣讲手册》 (plan 四(二)3) built from the policy version in force on a term.

Every amount is what `pricing.price_item` pays (term 1 plus term 2, or the one-time amount) for a
student meeting the case, and a loan's cap is `pricing.loan_cap`: the same code that prices, so that
publicity never disagrees with payment. The page and the .docx render the same `Handbook`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from eduaid.aid import pricing, referrals
from eduaid.aid.loaders import version_items
from eduaid.aid.models import HandbookContacts, ItemKind, Payer, PolicyItem, PolicyVersion
from eduaid.registry.models import Stage

# (title, stages) in the order of the plan's table
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    (gettext_noop("Preschool education"), ("preschool",)),
    (gettext_noop("Compulsory education"), ("primary", "junior")),
    (gettext_noop("Senior high school"), ("senior",)),
    (gettext_noop("Secondary vocational school"), ("vocational",)),
    (gettext_noop("Higher education"), ("junior_college", "undergraduate", "master", "doctor")),
]


@dataclass
class Line:
    who: str  # the stages and conditions, in words
    amount: str  # "1250.00 元/年", "一次性 500.00 元", "最高 12000.00 元/年" or "免除"
    fen: int | None


@dataclass
class Entry:
    code: str
    name: str
    kind: str
    payer: str
    apply: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Section:
    title: str
    entries: list[Entry]


@dataclass
class Handbook:
    term: str
    version: PolicyVersion
    eligibility: str
    sections: list[Section]
    contacts: list[str]


def eligibility_text() -> str:
    return _(
        "Who is eligible: a student whose household, on the first day of the term, is a 脱贫户 still "
        "enjoying the policy, or a monitored household (脱贫不稳定户, 边缘易致贫户, 突发严重困难户) that "
        "has not been declared free of risk; the student must be 在读 that day (休学 suspends the aid). "
        "Each item is paid at most once per term; half of the yearly amount is paid each term, and a "
        "one-time item once in a lifetime."
    )


def _conditions(case: Mapping[str, Any]) -> list[str]:
    words = []
    if "boarding" in case:
        words.append(_("boarding students") if case["boarding"] else _("day students"))
    if "in_province" in case:
        words.append(_("in the province") if case["in_province"] else _("outside the province"))
    if "freshman" in case:
        words.append(_("first-year students") if case["freshman"] else _("not first year"))
    return words


def _facts(stage: str, case: Mapping[str, Any]) -> pricing.StudentFacts:
    def flag(name: str) -> bool | None:
        value = case.get(name)
        return None if value is None else bool(value)

    return pricing.StudentFacts(
        stage=stage,
        grade=None,
        boarding=bool(case.get("boarding", False)),
        in_province=flag("in_province"),
        freshman=flag("freshman"),
        category="poverty_exited",
        status=pricing.STUDYING,
    )


def _amount(rule: pricing.Item, stage: str, case: Mapping[str, Any]) -> tuple[str, int | None]:
    if rule.kind == ItemKind.LOAN:
        cap = pricing.loan_cap(rule, stage)
        return _("up to %(yuan)s yuan a year") % {"yuan": pricing.yuan(cap)}, cap
    fen = pricing.yearly_for(rule, _facts(stage, case))
    if fen is None:
        return _("waived"), None
    if rule.one_time:
        return _("%(yuan)s yuan, once") % {"yuan": pricing.yuan(fen)}, fen
    return _("%(yuan)s yuan a year") % {"yuan": pricing.yuan(fen)}, fen


def _lines(rule: pricing.Item, stages: tuple[str, ...]) -> list[Line]:
    """One line per distinct amount and condition, the stages that share them named together."""
    labels = dict(Stage.choices)
    merged: dict[tuple[str, str], tuple[list[str], int | None]] = {}
    for case in rule.rules:
        for stage in (s for s in stages if s in case.get("stages", ())):
            amount, fen = _amount(rule, stage, case)
            key = ("、".join(_conditions(case)), amount)
            merged.setdefault(key, ([], fen))[0].append(str(labels.get(stage, stage)))
    return [
        Line(who=" · ".join(p for p in ("、".join(names), conditions) if p), amount=amount, fen=fen)
        for (conditions, amount), (names, fen) in merged.items()
    ]


def how_to_apply(item: PolicyItem) -> str:
    if item.kind == ItemKind.LOAN:
        return _(
            "Apply each school year at the county student aid centre with the admission notice or "
            "student card and the household book; the bank lends, the state pays the interest while "
            "studying."
        )
    if item.kind == ItemKind.REFERRAL:
        return _("The county student aid centre refers the student to %(department)s; follow its notice.") % {
            "department": referrals.department()
        }
    if item.paid_by == Payer.UNIVERSITY:
        return _("Apply at the university; the county checks the list.")
    if item.paid_by == Payer.SCHOOL:
        return _("No application: the school waives the fees or provides it directly.")
    return _(
        "No application: the school confirms the list found by the registry match; after a public "
        "notice of 5 working days the county student aid centre pays into the bank account."
    )


def payer(item: PolicyItem) -> str:
    if item.paid_by == Payer.RURAL_REVITALISATION:
        return referrals.department()
    return str(dict(Payer.choices).get(item.paid_by, item.paid_by))


def contact_lines() -> list[str]:
    row = HandbookContacts.objects.order_by("pk").first()
    lines = [line.strip() for line in (row.lines if row else "").splitlines() if line.strip()]
    return lines or [_("County student aid centre (县学生资助管理中心)")]


def build(term: str, version: PolicyVersion) -> Handbook:
    items = version_items(version)
    sections = []
    kinds = dict(ItemKind.choices)
    for title, stages in GROUPS:
        entries = []
        for item, rule in items:
            lines = _lines(rule, stages)
            if lines:
                entries.append(
                    Entry(
                        code=item.code,
                        name=item.name,
                        kind=str(kinds.get(item.kind, item.kind)),
                        payer=payer(item),
                        apply=how_to_apply(item),
                        lines=lines,
                    )
                )
        if entries:
            sections.append(Section(title=_(title), entries=entries))
    return Handbook(term, version, eligibility_text(), sections, contact_lines())


def title() -> str:
    return _("《帮扶政策宣讲手册》")


def docx_bytes(book: Handbook) -> bytes:
    """The handbook as a Word file (A4), built with python-docx."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    normal = doc.styles["Normal"]
    normal.font.name = "Noto Sans CJK SC"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    doc.add_heading(title(), level=0)
    doc.add_paragraph(
        _("Policy version: %(version)s · term %(term)s") % {"version": book.version.name, "term": book.term}
    )
    doc.add_paragraph(book.eligibility)
    for part in book.sections:
        doc.add_heading(part.title, level=1)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, [_("Item"), _("Standard"), _("Paid by"), _("How to apply")], strict=True
        ):
            cell.text = text
        for entry in part.entries:
            cells = table.add_row().cells
            cells[0].text = entry.name
            cells[1].text = "\n".join(f"{line.who}：{line.amount}" for line in entry.lines)
            cells[2].text = entry.payer
            cells[3].text = entry.apply
    doc.add_heading(_("Contact"), level=1)
    for line in book.contacts:
        doc.add_paragraph(line, style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
