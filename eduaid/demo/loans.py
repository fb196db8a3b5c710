"""The demo's 生源地信用助学贷款 applications and the handbook's contact lines (synthetic numbers).

About one eligible college student in four applied for 2023-2024 through the aid centre: most are
disbursed, some accepted, a few just entered and one withdrawn; amounts within the caps of the policy.
"""

from __future__ import annotations

import datetime as dt

from eduaid.aid.models import LoanStatus
from eduaid.aid.services_loans import (
    LoanError,
    college_enrolment,
    college_students,
    loan_apply,
    loan_cap,
    loan_set_status,
)
from eduaid.aid.services_policy import handbook_contacts_set
from eduaid.core.clock import frozen_today
from eduaid.registry.models import Person

DEMO_DAY = dt.date(2024, 3, 15)
YEAR = "2023-2024"
CONTACTS = "\n".join(
    [
        "遂平县学生资助管理中心　0396-0000000（工作日 8:30–12:00，14:30–17:30）",
        "遂平县教育局控辍保学办公室　0396-0000001",
        "各乡镇中心学校资助专干（见学校公示栏）",
    ]
)
STEPS = [
    [LoanStatus.APPROVED, LoanStatus.DISBURSED],
    [LoanStatus.APPROVED, LoanStatus.DISBURSED],
    [LoanStatus.APPROVED],
    [],
    [LoanStatus.WITHDRAWN],
    [LoanStatus.APPROVED, LoanStatus.DISBURSED],
]


def seed_loans() -> dict[str, int]:
    with frozen_today(DEMO_DAY):
        handbook_contacts_set(lines=CONTACTS, actor=None)
        eligible = college_students(Person.objects.all(), DEMO_DAY).exclude(household_category="")
        students = list(eligible.exclude(household_category__isnull=True).order_by("pk"))
        loans = 0
        for index, person in enumerate(students[: min(60, max(6, len(students) // 4))]):
            enrolment = college_enrolment(person, DEMO_DAY)
            if enrolment is None:
                continue
            cap = loan_cap(YEAR, enrolment.stage)[1]
            amount = cap if index % 3 == 0 else cap - 200000 * (index % 3)
            try:
                loan = loan_apply(
                    person=person,
                    school_year=YEAR,
                    college=enrolment.college or "郑州大学",
                    stage=enrolment.stage,
                    amount_fen=amount,
                    actor=None,
                )
            except LoanError:
                continue
            for status in STEPS[index % len(STEPS)]:
                loan = loan_set_status(loan=loan, status=status, actor=None)
            loans += 1
    return {"loan_applications": loans}
