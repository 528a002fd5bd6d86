"""Early fraud warnings (issue 16, item 2): an actionable warning on a charge not yet
disputed is refunded at once and its posting taken off the board; anything else is only
recorded, and staff see every warning."""

import pytest
from django.core import mail

from tests.conftest import stripe_api
from tests.integration.test_refunds import latest_event, paid_posting, paying  # noqa: F401
from tests.integration.test_webhooks import deliver
from wizard.jobs.models import Job, StaffNotice
from wizard.models import Actor, FraudWarning, JobPosting, Refund, Status
from wizard.payments.fraud_warnings import handle_warning
from wizard.payments.stripe_events import HANDLERS
from wizard.postings import links, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, paying, fakestripe):  # noqa: F811
    return paid_posting(client, paying, fakestripe)


@pytest.fixture
def published(client, paid, run_tasks):
    posting = review.approve(paid.pk, by=Actor.system())
    run_tasks()
    return posting


def charge_of(posting):
    intent_id = posting.current_attempt.payment_intent_id
    return stripe_api().v1.payment_intents.retrieve(intent_id).latest_charge


def warn(client, fakestripe, posting, **options):
    """Stripe raises a warning on the posting's charge and sends its event."""
    warning = fakestripe.early_fraud_warning(charge_of(posting), **options)
    assert deliver(client, latest_event("radar.early_fraud_warning.created")).status_code == 200
    return warning


def test_an_actionable_warning_refunds_and_takes_a_published_posting_off_the_board(
    client, published, fakestripe, run_tasks
):
    public_url = links.public_url(published)

    warning = warn(client, fakestripe, published, fraud_type="made_with_stolen_card")
    run_tasks()

    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.REFUNDED
    assert client.get(public_url).status_code == 404
    record = Refund.objects.get()
    assert (record.reason, record.state) == (Refund.Reason.FRAUD_WARNING, "succeeded")
    assert warning["id"] in record.note and "made_with_stolen_card" in record.note
    [at_stripe] = stripe_api().v1.refunds.list(params={"charge": charge_of(posting)}).data
    assert (at_stripe.reason, at_stripe.amount) == ("fraudulent", 9900)
    stored = FraudWarning.objects.get()
    assert (stored.stripe_id, stored.actionable, stored.posting_id) == (
        warning["id"],
        True,
        posting.pk,
    )
    assert stored.action.startswith("refunded")
    [alert] = StaffNotice.objects.all()
    assert alert.name == f"fraud_warning:{warning['id']}"
    assert "made_with_stolen_card" in alert.body
    assert posting.attention_fraud_warning  # shown to staff
    assert [log.transition for log in posting.transitions.filter(at__gte=posting.published_at)][
        -2:
    ] == ["withdraw", "end_with_refund"]
    assert Job.objects.filter(kind="indexing", name="URL_DELETED").exists()
    [email] = [m for m in mail.outbox if "refunded" in m.subject]
    assert "may not have been made by the card holder" in email.body
    assert "refunded it in full and ended the posting" in email.body


def test_an_actionable_warning_before_review_refunds_and_blocks_approval(client, paid, fakestripe):
    warn(client, fakestripe, paid)
    # The event's handler, without running the jobs it queues (the refund's): the refund
    # is recorded, and review can no longer approve the posting.
    HANDLERS["radar.early_fraud_warning.created"](latest_event("radar.early_fraud_warning.created"))
    posting = JobPosting.objects.get()
    assert Refund.objects.get().reason == Refund.Reason.FRAUD_WARNING
    assert posting.refund_requested and posting.status == Status.IN_REVIEW


def test_a_warning_that_is_not_actionable_is_only_recorded(
    client, published, fakestripe, run_tasks
):
    warn(client, fakestripe, published, actionable=False)
    run_tasks()
    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.PUBLISHED and not Refund.objects.exists()
    stored = FraudWarning.objects.get()
    assert not stored.actionable and "not actionable" in stored.action
    assert posting.attention_fraud_warning


def test_with_the_setting_off_a_warning_is_recorded_not_refunded(
    client, published, fakestripe, run_tasks, settings
):
    settings.REFUND_EARLY_FRAUD_WARNINGS = False
    warn(client, fakestripe, published)
    run_tasks()
    assert JobPosting.objects.get().status == Status.PUBLISHED
    assert not Refund.objects.exists()
    assert "REFUND_EARLY_FRAUD_WARNINGS is off" in FraudWarning.objects.get().action


def test_a_warning_on_a_charge_refunded_already_changes_nothing(
    client, published, fakestripe, run_tasks
):
    fakestripe.dashboard_refund(charge_of(published), amount=100)
    warning = fakestripe.early_fraud_warning(charge_of(published))
    fakestripe.dashboard_refund(charge_of(published))  # refunded in full meanwhile
    event = latest_event("radar.early_fraud_warning.created")
    assert event["data"]["object"]["id"] == warning["id"]
    deliver(client, event)
    run_tasks()
    assert not Refund.objects.filter(reason=Refund.Reason.FRAUD_WARNING).exists()
    assert "not actionable" in FraudWarning.objects.get().action


def test_repeated_and_updated_warnings_refund_once(client, published, fakestripe, run_tasks):
    warn(client, fakestripe, published)
    created = latest_event("radar.early_fraud_warning.created")
    run_tasks()
    updated = latest_event("radar.early_fraud_warning.updated")  # not actionable once refunded
    for event in [created, updated, {**created, "id": "evt_again"}]:
        assert deliver(client, event).status_code == 200
    run_tasks()
    assert Refund.objects.count() == 1
    assert len(stripe_api().v1.refunds.list(params={"charge": charge_of(published)}).data) == 1
    stored = FraudWarning.objects.get()
    assert stored.action.startswith("refunded") and not stored.actionable


def test_a_warning_on_a_charge_of_no_posting_is_logged_and_left(client, fakestripe, caplog):
    session = stripe_api().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "http://elsewhere.test/ok",
            "cancel_url": "http://elsewhere.test/no",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 500,
                        "product_data": {"name": "Not ours"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )
    fakestripe.pay(session.id)
    intent = stripe_api().v1.checkout.sessions.retrieve(session.id).payment_intent
    charge = stripe_api().v1.payment_intents.retrieve(intent).latest_charge
    warning = fakestripe.early_fraud_warning(charge)
    assert handle_warning(warning["id"], by=Actor.system()) is None
    assert not FraudWarning.objects.exists()
    assert "of no posting" in caplog.text


def test_staff_see_the_warning_on_the_posting(client, admin_client, published, fakestripe):
    warning = warn(client, fakestripe, published, actionable=False, fraud_type="misc")
    HANDLERS["radar.early_fraud_warning.created"](latest_event("radar.early_fraud_warning.created"))
    page = admin_client.get(f"/admin/wizard/jobposting/{published.pk}/change/").text
    assert warning["id"] in page and "not actionable" in page
    listed = admin_client.get("/admin/wizard/jobposting/", {"attention": "fraud_warning"})
    assert published.title in listed.text and "Early fraud warning" in listed.text
