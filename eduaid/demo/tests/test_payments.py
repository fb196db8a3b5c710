"""The demo's payments: the past term paid and reconciled with one re-issue; spring waiting at each step."""

from __future__ import annotations

from typing import Any

import pytest

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.demo.tests.test_demo import demo  # noqa: F401 (the class-scoped demo fixture)
from eduaid.payments import ledger
from eduaid.payments.models import AccountFlag, BankAccount, BatchStatus, LineStatus, PaymentBatch
from eduaid.payments.selectors import work_waiting

S = EntitlementStatus


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoPayments:
    def test_the_past_term_is_paid_with_one_failure_reissued(self) -> None:
        batches = PaymentBatch.objects.filter(term__code="2023-2024-1").order_by("created_at")
        assert [b.status for b in batches] == [BatchStatus.RECONCILED, BatchStatus.RECONCILED]
        first, second = batches
        reissued = first.lines.get(status=LineStatus.REISSUED)
        assert reissued.failure_reason == "账户已销户" and reissued.reissued_as.batch == second
        assert reissued.reissued_as.status == LineStatus.PAID
        assert reissued.account_number != reissued.reissued_as.account_number
        cash = Entitlement.objects.filter(
            term__code="2023-2024-1", item__kind="cash", item__paid_by="county", amount_fen__gt=0
        )
        assert set(cash.exclude(held=True).values_list("status", flat=True)) == {S.PAID}

    def test_accounts_mostly_pass_the_card_check_and_one_card_is_shared(self) -> None:
        total = BankAccount.objects.count()
        failing = BankAccount.objects.filter(luhn_ok=False).count()
        assert total > 100 and 0 < failing < total / 50
        open_flags = AccountFlag.objects.filter(resolved_at__isnull=True)
        assert set(open_flags.values_list("kind", flat=True)) == {"shared"}
        assert open_flags.count() == 2

    def test_the_current_term_waits_at_each_step(self, demo: dict[str, Any]) -> None:  # noqa: F811
        waiting = work_waiting(None, "2023-2024-2")
        assert waiting.approved_without_account > 0
        assert waiting.flagged > 0
        assert waiting.in_batch == demo["counts"]["payments_current_in_batch"] > 0
        current = PaymentBatch.objects.get(term__code="2023-2024-2")
        assert current.status == BatchStatus.OPEN

    def test_the_ledger_of_the_demo_is_intact(self) -> None:
        verdict = ledger.verify()
        assert verdict.ok and verdict.entries > 0


def test_the_stage_works_without_the_review_stage(registry_cast: Any) -> None:
    """Run before (or without) the review stage, it walks the past term to approved itself."""
    from eduaid.aid.services import entitlements_compute
    from eduaid.demo.payments import seed_payments

    entitlements_compute(term=registry_cast.autumn)
    counts = seed_payments()
    assert counts["payments_walked_to_approved"] > 0
    assert counts["payments_past_batches"] == 2
    cash = Entitlement.objects.filter(
        term=registry_cast.autumn, item__kind="cash", item__paid_by="county", person__id_number__isnull=False
    )
    assert set(cash.values_list("status", flat=True)) == {S.PAID}
    assert (
        PaymentBatch.objects.get(number="2023-2024-1-001").lines.filter(status=LineStatus.REISSUED).count()
        == 1
    )
    assert ledger.verify().ok
