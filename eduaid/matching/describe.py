"""What a finding means, in the user's language (rendered when shown, not when stored)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from eduaid.registry.models import MonitoringCategory, Stage


def category_label(code: str) -> str:
    if code in MonitoringCategory.values:
        return str(MonitoringCategory(code).label)
    if code == "poverty_exited":
        return _("Household lifted out of poverty")
    return code


def describe(finding: Any) -> str:
    d = finding.detail or {}
    code = finding.code
    if finding.kind == "eligible":
        return _("%(category)s, %(stage)s") % {
            "category": category_label(finding.category),
            "stage": Stage(finding.stage).label if finding.stage in Stage.values else finding.stage,
        }
    if finding.kind == "missed":
        return _("Due %(item)s on the start date, but it has no entitlement.") % {
            "item": d.get("item_name", code)
        }
    if finding.kind == "wrong":
        return _("Has an entitlement to %(item)s but is not eligible on the start date.") % {
            "item": d.get("item_name", code)
        }
    if code == "two_schools":
        return _("Studying or suspended at more than one school at once; keep one enrolment.")
    if code == "shared_student_number":
        return _("Student number %(number)s is used by %(n)s different ID numbers.") % {
            "number": d.get("student_number", ""),
            "n": d.get("persons", ""),
        }
    if code == "no_id":
        return _("No valid resident ID; kept under student number %(number)s. Get the ID number.") % {
            "number": d.get("student_number", "")
        }
    if code == "student_number_mismatch":
        return _("Student number %(number)s does not match the ID number.") % {
            "number": d.get("student_number", "")
        }
    if code == "gender_mismatch":
        return _("The gender recorded does not match the ID number.")
    if code == "age_outside_band":
        return _("Age %(age)s is outside the usual %(low)s–%(high)s for this stage.") % d
    if code == "not_enrolled":
        return _("Aged %(age)s, of compulsory-education age, with no enrolment.") % d
    if code == "status_dropped_out":
        return _("Enrolment status is “dropped out”.")
    return code
