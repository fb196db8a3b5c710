"""Editing the policy table from the pages: copy a version into a draft, edit amounts, publish.

A version that priced an approved term (an entitlement of it at `approved` or beyond) keeps pricing
that term: publishing a draft from a term on or before it would change what was approved, and is
refused. Every write is audited as `AuditKind.POLICY`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from eduaid.aid.models import Entitlement, EntitlementStatus, PolicyDraft, PolicyVersion
from eduaid.aid.services import Outcome, PolicyError, entitlements_compute, policy_version_add, version_for
from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.registry import terms
from eduaid.registry.models import Term

APPROVED_OR_BEYOND = frozenset(
    {EntitlementStatus.APPROVED, EntitlementStatus.IN_BATCH, EntitlementStatus.PAID, EntitlementStatus.FAILED}
)
SPEC_FIELDS = ("code", "name", "kind", "paid_by", "one_time", "rules")


def approved_terms(version: PolicyVersion) -> list[str]:
    """Term codes this version priced that reached approval (sorted)."""
    codes = (
        Entitlement.objects.filter(version=version, status__in=APPROVED_OR_BEYOND)
        .values_list("term__code", flat=True)
        .distinct()
    )
    return sorted(codes)


def _spec(item: Any) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(item, name)) for name in SPEC_FIELDS}


@transaction.atomic
def policy_draft_copy(*, version: PolicyVersion, actor: Any) -> PolicyDraft:
    """A new draft holding a copy of every item of `version`."""
    name = _("%(name)s (draft)") % {"name": version.name}
    draft = PolicyDraft.objects.create(
        name=name[:100],
        source=version,
        items=[_spec(item) for item in version.items.order_by("position", "pk")],
        created_by=actor.get_username() if actor is not None else "",
    )
    record(
        AuditKind.POLICY,
        actor=actor,
        obj=draft,
        detail={"action": "policy_draft_copy", "source": version.pk},
    )
    return draft


def _locked_draft(draft_id: int) -> PolicyDraft:
    draft = PolicyDraft.objects.select_for_update().get(pk=draft_id)
    if draft.published_id is not None:
        raise PolicyError(_("This draft was published already and can no longer be changed."))
    return draft


@transaction.atomic
def policy_draft_amounts_set(
    *, draft: PolicyDraft, code: str, amounts_fen: list[int | None], actor: Any
) -> PolicyDraft:
    """Set the yearly amount of each case of item `code`; a case without an amount stays without."""
    draft = _locked_draft(draft.pk)
    item = next((spec for spec in draft.items if spec["code"] == code), None)
    if item is None:
        raise PolicyError(_("No item %(code)s in this draft.") % {"code": code})
    if len(amounts_fen) != len(item["rules"]):
        raise PolicyError(_("Give one amount for each case of the item."))
    changes = []
    for case, fen in zip(item["rules"], amounts_fen, strict=True):
        if case.get("fen") is None:
            continue
        if fen is None or fen < 0:
            raise PolicyError(_("An amount is missing or negative."))
        if case["fen"] != fen:
            changes.append({"from": case["fen"], "to": fen})
            case["fen"] = fen
    draft.save(update_fields=["items", "updated_at"])
    record(
        AuditKind.POLICY,
        actor=actor,
        obj=draft,
        detail={"action": "policy_draft_amounts_set", "item": code, "changes": changes},
    )
    return draft


def check_publishable(first_term: str) -> None:
    """Refuse a first term that would take an approved term away from the version that priced it."""
    terms.parse(first_term)
    later = (
        Entitlement.objects.filter(status__in=APPROVED_OR_BEYOND, term__code__gte=first_term)
        .values_list("term__code", flat=True)
        .order_by("term__code")
        .first()
    )
    if later is not None:
        raise PolicyError(
            _("Term %(term)s was approved under the version in force: a new version can only start after it.")
            % {"term": later}
        )


@transaction.atomic
def policy_draft_publish(*, draft: PolicyDraft, first_term: str, name: str, actor: Any) -> PolicyVersion:
    """Publish the draft as the next version from `first_term`; the version before it is closed."""
    draft = _locked_draft(draft.pk)
    check_publishable(first_term)
    version = policy_version_add(name=name, first_term=first_term, items=draft.items, actor=actor)
    draft.published = version
    draft.save(update_fields=["published", "updated_at"])
    record(
        AuditKind.POLICY,
        actor=actor,
        obj=draft,
        detail={"action": "policy_draft_publish", "version": version.pk, "first_term": first_term},
    )
    return version


@transaction.atomic
def policy_draft_delete(*, draft: PolicyDraft, actor: Any) -> None:
    draft = _locked_draft(draft.pk)
    record(AuditKind.POLICY, actor=actor, obj=draft, detail={"action": "policy_draft_delete"})
    draft.delete()


@transaction.atomic
def handbook_contacts_set(*, lines: str, actor: Any) -> None:
    """The contact lines printed at the end of the policy handbook (audited as a setting)."""
    from eduaid.aid.models import HandbookContacts

    row = HandbookContacts.objects.select_for_update().order_by("pk").first() or HandbookContacts()
    previous = row.lines
    row.lines = "\n".join(line.strip() for line in lines.splitlines() if line.strip())
    row.save()
    record(
        AuditKind.SETTINGS,
        actor=actor,
        obj=row,
        detail={"action": "handbook_contacts_set", "from": previous, "to": row.lines},
    )


# ---- terms priced under an older version ---------------------------------------------------------


@dataclass
class StaleTerm:
    """A priced term whose rows were priced under another version than the one in force on it."""

    term: Term
    in_force: PolicyVersion
    priced_under: list[str]
    beyond: dict[str, int]  # status -> rows beyond `computed`; non-empty: the term is locked

    @property
    def locked(self) -> bool:
        return bool(self.beyond)


def beyond_computed(term: Term) -> dict[str, int]:
    """Rows of the term that moved past `computed` (confirmed, in notice, approved, …), by status."""
    rows = (
        Entitlement.objects.filter(term=term)
        .exclude(status=EntitlementStatus.COMPUTED)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by("status")
    )
    return {row["status"]: row["n"] for row in rows}


def stale_terms(version: PolicyVersion | None = None) -> list[StaleTerm]:
    """Priced terms (optionally only those `version` covers) with rows of an older version."""
    found = []
    priced = Term.objects.filter(Exists(Entitlement.objects.filter(term=OuterRef("pk")))).order_by("code")
    for term in priced:
        try:
            in_force = version_for(term.code)
        except PolicyError:
            continue
        if version is not None and in_force.pk != version.pk:
            continue
        other = (
            Entitlement.objects.filter(term=term, manual=False)
            .exclude(version=in_force)
            .values_list("version__name", flat=True)
            .distinct()
        )
        names = sorted(set(other))
        if names:
            found.append(StaleTerm(term, in_force, names, beyond_computed(term)))
    return found


@transaction.atomic
def term_reprice(*, term: Term, actor: Any) -> Outcome:
    """Price the term again under the version in force, refused once any row is beyond `computed`."""
    term = Term.objects.select_for_update().get(pk=term.pk)
    if beyond_computed(term):
        raise PolicyError(
            _(
                "Term %(term)s keeps the version it was priced under: its aid list has already "
                "been confirmed or approved."
            )
            % {"term": term.code}
        )
    return entitlements_compute(term=term, actor=actor)
