"""The soak's money invariants (soak/checks.py) on hand-made facts: each catches what it
is there to catch, and a consistent set passes. No database: the records are unsaved."""

import random
import uuid

import pytest

from soak import checks
from soak.bank import PARTLY_REFUNDED
from soak.employer import PROFILES, choose_profiles
from wizard.payments.chargebacks import Dispute
from wizard.payments.models import PaymentAttempt, Refund, RefundMade
from wizard.postings.models import JobPosting, Status

PRICE = 9900


class World:
    """Stripe's objects and our records, built one payment at a time."""

    def __init__(self):
        self.sessions, self.charges, self.stripe_refunds, self.stripe_disputes = {}, [], [], []
        self.postings, self.payments, self.refunds_made, self.refunds = {}, {}, [], []
        self.disputes = {}
        self.count = 0

    def posting(self, status):
        posting = JobPosting(pk=uuid.uuid4(), status=status)
        self.postings[str(posting.pk)] = posting
        return posting

    def charge(self, posting, *, own=True, status="succeeded", refunded=0, made=None, record=True):
        """A paid session of the posting and its charge; `own`: the posting's current
        payment (else a stray one, refunded as superseded); `made`: the RefundMade amounts
        recorded here (default: what Stripe refunded, in one refund)."""
        self.count += 1
        intent, charge_id = f"pi_{self.count}", f"ch_{self.count}"
        self.sessions[f"cs_{self.count}"] = {
            "id": f"cs_{self.count}",
            "payment_intent": intent,
            "client_reference_id": str(posting.pk),
            "payment_status": "paid" if status == "succeeded" else "unpaid",
            "status": "complete",
        }
        self.charges.append(
            {
                "id": charge_id,
                "payment_intent": intent,
                "amount": PRICE,
                "amount_refunded": refunded,
                "refunded": refunded == PRICE,
                "status": status,
            }
        )
        if refunded:
            self.stripe_refunds.append(
                {"charge": charge_id, "amount": refunded, "status": "succeeded"}
            )
        if own:
            payment = PaymentAttempt(
                pk=self.count,
                posting=posting,
                number=self.count,
                amount=PRICE,
                currency="usd",
                payment_intent_id=intent if status == "succeeded" else "",
                amount_refunded=refunded if record else 0,
            )
            posting.current_attempt = payment
            if status == "succeeded":
                self.payments[intent] = payment
            for amount in [refunded] if made is None and refunded else made or []:
                self.refunds_made.append(
                    RefundMade(payment_id=payment.pk, amount=amount, status="succeeded")
                )
        else:
            self.refunds.append(
                Refund(
                    posting=posting,
                    payment_intent_id=intent,
                    amount=PRICE,
                    reason=Refund.Reason.SUPERSEDED,
                    state=Refund.State.SUCCEEDED if refunded == PRICE else Refund.State.PENDING,
                )
            )
        return charge_id, intent

    def dispute(self, charge_id, intent, status, *, ours=None):
        dispute_id = f"dp_{charge_id}"
        self.stripe_disputes.append(
            {
                "id": dispute_id,
                "charge": charge_id,
                "payment_intent": intent,
                "amount": PRICE,
                "status": status,
            }
        )
        self.disputes[dispute_id] = Dispute(
            stripe_dispute_id=dispute_id, payment_intent_id=intent, status=ours or status
        )

    def facts(self):
        return checks.Facts(
            postings=self.postings,
            effects=[],
            confirmations={},
            refunds=self.refunds,
            events_pending=0,
            events_failed=[],
            sessions=self.sessions,
            stripe_refunds=self.stripe_refunds,
            stripe_charges=self.charges,
            stripe_disputes=self.stripe_disputes,
            payments=self.payments,
            refunds_made=self.refunds_made,
            disputes=self.disputes,
            mail=[],
            orphans=[],
            overdue=[],
            task_returns={},
        )


def violations(world):
    return (
        checks.check_money_explained(world.facts()).violations
        + checks.check_debited_once(world.facts()).violations
    )


def test_every_edge_accounted_for_passes():
    world = World()
    world.charge(world.posting(Status.IN_REVIEW))  # paid, kept
    world.charge(world.posting(Status.IN_REVIEW), refunded=2475)  # partly refunded
    world.charge(world.posting(Status.REFUNDED), refunded=PRICE)  # the Dashboard's, in full
    world.charge(world.posting(Status.REFUNDED), refunded=PRICE, made=[2475, 7425])  # in two
    lost = world.posting(Status.DISPUTE_LOST)
    world.dispute(*world.charge(lost), "lost")
    won = world.posting(Status.IN_REVIEW)
    world.dispute(*world.charge(won), "won")
    superseded = world.posting(Status.IN_REVIEW)
    world.charge(superseded, own=False, refunded=PRICE)  # a late payment, refunded
    world.charge(superseded)
    processing = world.posting(Status.PAYMENT_PROCESSING)
    world.charge(processing, status="pending")
    assert violations(world) == []


def test_a_partial_refund_missing_from_the_payment_is_caught():
    world = World()
    world.charge(world.posting(Status.IN_REVIEW), refunded=2475, record=False)
    assert any("2475 at Stripe, 0 on its payment" in v for v in violations(world))


def test_a_refund_without_its_refund_made_rows_is_caught():
    world = World()
    world.charge(world.posting(Status.REFUNDED), refunded=PRICE, made=[])
    assert any("refunds made recorded here 0" in v for v in violations(world))


def test_a_lost_dispute_that_left_the_posting_in_review_is_caught():
    world = World()
    posting = world.posting(Status.IN_REVIEW)
    world.dispute(*world.charge(posting), "lost")
    found = violations(world)
    assert any("lost, posting" in v and "is in_review" in v for v in found)
    assert any("nothing of its payment" in v for v in found)


def test_a_dispute_recorded_in_another_status_is_caught():
    world = World()
    posting = world.posting(Status.DISPUTE_LOST)
    world.dispute(*world.charge(posting), "lost", ours="needs_response")
    assert any("is lost at Stripe, needs_response here" in v for v in violations(world))


def test_money_kept_for_a_posting_that_no_longer_holds_the_service_is_caught():
    world = World()
    world.charge(world.posting(Status.REFUNDED))
    assert any("Stripe keeps 9900" in v and "refunded" in v for v in violations(world))


def test_a_stray_payment_not_refunded_is_caught():
    world = World()
    posting = world.posting(Status.IN_REVIEW)
    world.charge(posting, own=False)
    world.charge(posting)
    found = violations(world)
    assert any("(not its payment)" in v for v in found)
    assert any("debited 2 times" in v for v in found)


def test_a_kept_charge_and_a_processing_debit_of_one_posting_are_two_debits():
    world = World()
    posting = world.posting(Status.PAYMENT_PROCESSING)
    world.charge(posting, own=False, refunded=0)
    world.charge(posting, status="pending")
    assert any("debited 2 times" in v for v in checks.check_debited_once(world.facts()).violations)


def test_a_partial_refund_is_expected_in_review_with_part_of_it_refunded():
    world = World()
    world.charge(world.posting(Status.IN_REVIEW), refunded=2475)
    world.charge(world.posting(Status.IN_REVIEW), refunded=0)
    world.charge(world.posting(Status.REFUNDED), refunded=PRICE)
    partly, not_refunded, refunded = world.postings.values()
    assert checks.expected_end(PARTLY_REFUNDED, partly) == ""
    assert "not a part" in checks.expected_end(PARTLY_REFUNDED, not_refunded)
    assert "not in review" in checks.expected_end(PARTLY_REFUNDED, refunded)
    assert checks.expected_end(Status.REFUNDED, refunded) == ""
    assert "not dispute_lost" in checks.expected_end(Status.DISPUTE_LOST, partly)


@pytest.mark.parametrize("count", [7, 40, 200])
def test_profiles_follow_their_weights_and_soak_only(count):
    chosen = choose_profiles(count, random.Random(1))
    assert len(chosen) == count
    if count == 200:
        assert set(chosen) == set(PROFILES)  # the rarest (weight 2) too
    only = choose_profiles(count, random.Random(1), only=("pays_by_bank", "disputed_lost"))
    assert len(only) == count and set(only) <= {"pays_by_bank", "disputed_lost"}


def renewal_of(world, posting):
    """A paid renewal of the posting (soak/returning.py): a charge of its own, kept."""
    first = posting.current_attempt
    _, intent = world.charge(posting)
    renewal = world.payments[intent]
    renewal.purpose = PaymentAttempt.Purpose.RENEWAL
    posting.current_attempt = first  # a renewal is never the posting's current payment
    return renewal


def test_a_kept_renewal_of_a_live_posting_is_explained_and_no_second_debit():
    world = World()
    posting = world.posting(Status.PUBLISHED)
    world.charge(posting)
    renewal_of(world, posting)
    assert violations(world) == []


def test_a_renewal_kept_for_a_posting_that_no_longer_holds_the_service_is_caught():
    world = World()
    posting = world.posting(Status.REFUNDED)
    world.charge(posting, refunded=PRICE)
    renewal_of(world, posting)
    assert any(
        "not its payment" in v for v in checks.check_money_explained(world.facts()).violations
    )


def test_a_second_first_payment_kept_is_still_a_second_debit():
    world = World()
    posting = world.posting(Status.PUBLISHED)
    world.charge(posting)
    first = posting.current_attempt
    world.charge(posting)  # another first payment, kept
    posting.current_attempt = first
    assert any("debited 2 times" in v for v in checks.check_debited_once(world.facts()).violations)
