"""The upgrade to the release of plans, promotion codes and tax, while the previous
release still fulfils payments (docs/deploying.md, "Upgrading to the release of issue
21"). The previous release refuses a paid session whose `amount_total` is not its
attempt's `amount` (the list price) and refunds it as a mismatch: a discounted or taxed
session fulfilled by one of its processes would be refunded. Deployed with
STRIPE_PROMOTION_CODES and STRIPE_TAX off, every session this release opens charges the
list price, which the previous release accepts."""

import pytest

from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import press_pay, session_id_from
from tests.integration.test_promotion_codes import make_code
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db


def previous_release_mismatches(attempt, session):
    """The previous release's `fulfilment.mismatches`, as it was (its amount check)."""
    metadata = session.metadata.to_dict() if session.metadata else {}
    checks = [
        ("amount", session.amount_total, attempt.amount),
        ("currency", (session.currency or "").lower(), attempt.currency),
        ("metadata posting_id", metadata.get("posting_id"), str(attempt.posting_id)),
        ("metadata attempt", metadata.get("attempt"), str(attempt.number)),
    ]
    return [f"{name} {got!r} != {want!r}" for name, got, want in checks if got != want]


def paid_session(client, fakestripe, *, code):
    """A session this release opened, paid from Germany (taxable) with `code` typed when
    Checkout offers the field; (attempt as reserved, session as Stripe has it)."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    if stripe_api().v1.checkout.sessions.retrieve(session_id).allow_promotion_codes:
        assert fakestripe.enter_promotion_code(session_id, code)[0] == 303
    assert fakestripe.pay(session_id, billing_country="DE")[0] == 303
    attempt = JobPosting.objects.get(pk=posting.pk).current_attempt  # not fulfilled yet
    return attempt, stripe_api().v1.checkout.sessions.retrieve(session_id)


def test_with_codes_and_tax_on_the_previous_release_would_refund_the_payment(client, fakestripe):
    make_code("SPRING", percent_off=20)
    attempt, session = paid_session(client, fakestripe, code="SPRING")
    assert session.total_details.amount_discount and session.total_details.amount_tax
    assert previous_release_mismatches(attempt, session) == [
        f"amount {session.amount_total!r} != {attempt.amount!r}"
    ]


def test_with_codes_and_tax_off_the_previous_release_accepts_every_session(
    client, fakestripe, settings
):
    settings.STRIPE_PROMOTION_CODES = False
    settings.STRIPE_TAX = False
    make_code("SPRING", percent_off=20)
    attempt, session = paid_session(client, fakestripe, code="SPRING")
    assert session.payment_status == "paid"  # the previous release's only paid status
    assert session.amount_total == attempt.amount
    assert previous_release_mismatches(attempt, session) == []
