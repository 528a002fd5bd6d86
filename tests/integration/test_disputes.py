"""Disputes, through the real SDK against fakestripe: the bank disputes a charge, the
posting leaves the board until the dispute is won, ends when it is lost (accounted as
disputed, never as our refund); staff are told; events late, repeated or in any order end
in the same state."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from tests.attempts import attempt_for
from tests.conftest import stripe_api
from tests.integration.test_concurrency import run_at_once
from tests.integration.test_refunds import paid_posting, paying  # noqa: F401
from tests.integration.test_webhooks import deliver
from wizard.jobs import staff_alert
from wizard.jobs.models import Job, StaffNotice
from wizard.models import Actor, Dispute, JobPosting, Refund, Status, StripeEvent
from wizard.payments import disputes, refunds
from wizard.postings import review

pytestmark = pytest.mark.django_db

ALERTS = ["disputes@example.com"]


@pytest.fixture(autouse=True)
def alert_addresses(settings):
    settings.STAFF_ALERT_EMAILS = ALERTS
    settings.DISPUTE_TAKES_POSTING_DOWN = True


@pytest.fixture
def in_review(client, paying, fakestripe):  # noqa: F811
    return paid_posting(client, paying, fakestripe)


@pytest.fixture
def published(in_review, run_tasks):
    review.approve(in_review.pk, by=Actor.system())
    run_tasks()  # the approval's email and search-engine notice
    posting = JobPosting.objects.get()
    assert posting.status == Status.PUBLISHED
    return posting


def charge_of(posting):
    intent = stripe_api().v1.payment_intents.retrieve(posting.current_attempt.payment_intent_id)
    return intent.latest_charge


def dispute_events():
    """fakestripe's dispute events, oldest first."""
    events = stripe_api().v1.events.list(params={"limit": 100}).data
    return [
        event.to_dict() for event in reversed(events) if event.type.startswith("charge.dispute.")
    ]


class Deliveries:
    """Deliver the dispute events not delivered yet (in the order given), then run the
    worker."""

    def __init__(self, client, run_tasks):
        self.client, self.run_tasks, self.done = client, run_tasks, set()

    def new(self):
        return [event for event in dispute_events() if event["id"] not in self.done]

    def __call__(self, events=None):
        events = self.new() if events is None else events
        for event in events:
            assert deliver(self.client, event).status_code == 200
            self.done.add(event["id"])
        self.run_tasks()
        return [event["type"] for event in events]


@pytest.fixture
def delivered(client, run_tasks):
    return Deliveries(client, run_tasks)


def on_board(client, posting):
    return client.get(f"/jobs/{posting.slug}/").status_code == 200


def status_page(client, posting):
    return client.get(f"/post/{posting.pk}/status/").content.decode()


def alerts():
    return StaffNotice.objects.order_by("raised_at")


def test_a_dispute_takes_the_posting_off_the_board_and_out_of_the_search_engines(
    client, published, fakestripe, delivered, admin_client
):
    assert on_board(client, published)
    opened = fakestripe.open_dispute(charge_of(published), reason="fraudulent")
    assert delivered() == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]

    posting = JobPosting.objects.get()
    assert posting.status == Status.DISPUTED
    assert {event.posting_id for event in StripeEvent.objects.all()} == {posting.pk}
    assert not on_board(client, posting)
    assert client.get("/").content.decode().count(posting.title) == 0
    removal = Job.objects.get(kind="indexing", name="URL_DELETED")
    assert removal.state == Job.State.SENT and removal.payload["url"].endswith(posting.slug + "/")

    record = Dispute.objects.get()
    assert (record.stripe_dispute_id, record.status, record.reason) == (
        opened["id"],
        "needs_response",
        "fraudulent",
    )
    assert (record.amount, record.currency, record.funds_withdrawn) == (9900, "usd", 9900)
    assert record.posting_status_before == Status.PUBLISHED
    assert record.payment_id == posting.current_attempt_id
    assert int(record.evidence_due_by.timestamp()) == opened["evidence_details"]["due_by"]

    # The employer reads what happened, in plain words.
    page = status_page(client, posting)
    assert "Your posting is off the board for now" in page
    assert "disputed through your bank" in page


def test_staff_see_the_deadline_the_dispute_and_get_an_alert(
    client, published, fakestripe, delivered, admin_client
):
    opened = fakestripe.open_dispute(charge_of(published), evidence_due_in_seconds=3 * 86400)
    delivered()
    posting = JobPosting.objects.with_attention().get()
    assert posting.attention_dispute and posting.needs_attention

    due = timezone.datetime.fromtimestamp(opened["evidence_details"]["due_by"], tz=timezone.UTC)
    listing = admin_client.get("/admin/wizard/jobposting/", {"attention": "dispute"})
    assert posting.title in listing.content.decode()
    assert f"Payment disputed: evidence due by {due:%d %b %Y %H:%M} UTC" in listing.content.decode()
    page = admin_client.get(f"/admin/wizard/jobposting/{posting.pk}/change/").content.decode()
    assert f"https://dashboard.stripe.com/test/disputes/{opened['id']}" in page
    assert "Needs a response" in page

    [alert] = alerts()
    assert (alert.name, alert.email_digest.state) == (
        f"dispute:{opened['id']}:opened",
        Job.State.SENT,
    )
    [message] = [message for message in mail.outbox if message.to == ALERTS]
    assert "Payment dispute opened" in message.subject
    assert f"Evidence is due by {due:%Y-%m-%d %H:%M} UTC" in message.body
    assert f"disputes/{opened['id']}" in message.body


def test_a_won_dispute_puts_the_posting_back_on_the_board(client, published, fakestripe, delivered):
    opened = fakestripe.open_dispute(charge_of(published))
    delivered()
    fakestripe.respond_to_dispute(opened["id"])
    fakestripe.close_dispute(opened["id"], "won")
    assert delivered() == [
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]

    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.PUBLISHED and not posting.attention_dispute
    assert on_board(client, posting)
    assert Job.objects.get(kind="indexing", name="URL_UPDATED").attempts == 2  # again
    record = Dispute.objects.get()
    assert (record.status, record.funds_withdrawn, record.funds_reinstated) == ("won", 9900, 9900)
    assert record.closed_at is not None
    assert "back on the board" in status_page(client, posting)
    assert [job.name for job in alerts()] == [
        f"dispute:{opened['id']}:opened",
        f"dispute:{opened['id']}:won",
    ]
    targets = list(posting.transitions.values_list("target", flat=True))
    assert targets[-2:] == [Status.DISPUTED, Status.PUBLISHED]


def test_a_won_dispute_after_the_postings_time_is_up_leaves_it_expired(
    client, published, fakestripe, delivered
):
    opened = fakestripe.open_dispute(charge_of(published))
    delivered()
    JobPosting.objects.filter(pk=published.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    fakestripe.close_dispute(opened["id"], "won")
    delivered()
    posting = JobPosting.objects.get()
    assert posting.status == Status.EXPIRED
    assert not on_board(client, posting)
    assert not Job.objects.filter(kind="indexing", name="URL_UPDATED", attempts=2).exists()


def test_a_dispute_in_review_goes_back_to_review_when_won(client, in_review, fakestripe, delivered):
    opened = fakestripe.open_dispute(charge_of(in_review))
    delivered()
    posting = JobPosting.objects.get()
    assert posting.status == Status.DISPUTED
    with pytest.raises(Exception):  # noqa: B017  (no review while disputed)
        review.approve(posting.pk, by=Actor.system())
    fakestripe.close_dispute(opened["id"], "won")
    delivered()
    posting = JobPosting.objects.get()
    assert posting.status == Status.IN_REVIEW
    assert "back in the review queue" in status_page(client, posting)


def test_a_lost_dispute_ends_the_posting_and_is_not_counted_as_our_refund(
    client, published, fakestripe, delivered
):
    opened = fakestripe.open_dispute(charge_of(published), reason="product_not_received")
    delivered()
    fakestripe.close_dispute(opened["id"], "lost")
    assert delivered() == ["charge.dispute.closed"]

    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.DISPUTE_LOST
    assert posting.status_label == "Ended: payment disputed"
    assert not on_board(client, posting)
    assert posting.refunded_at is None and not Refund.objects.exists()
    assert not posting.attention_dispute  # nothing more staff can do
    record = Dispute.objects.get()
    assert (record.status, record.funds_withdrawn, record.funds_reinstated) == ("lost", 9900, 0)
    page = status_page(client, posting)
    assert "This posting has ended: the payment was disputed" in page
    assert "This was not a refund from us" in page
    assert "was refunded" not in page
    assert [job.name for job in alerts()][-1] == f"dispute:{opened['id']}:lost"


def test_events_out_of_order_and_repeated_end_in_the_same_state(
    client, published, fakestripe, delivered
):
    opened = fakestripe.open_dispute(charge_of(published))
    fakestripe.close_dispute(opened["id"], "won")
    events = delivered.new()
    assert [e["type"] for e in events] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]
    # The last first, then the rest backwards, each one twice.
    delivered([*reversed(events), *events])
    posting = JobPosting.objects.get()
    assert posting.status == Status.PUBLISHED  # never taken down: Stripe said won each time
    assert StripeEvent.objects.count() == 4  # the repeats were acknowledged, not stored
    assert Dispute.objects.get().status == "won"
    assert [job.name for job in alerts()] == [f"dispute:{opened['id']}:won"]

    # The handler run again (a duplicate after a crash) changes nothing.
    disputes.sync_dispute(opened["id"])
    assert JobPosting.objects.get().status == Status.PUBLISHED
    assert Dispute.objects.count() == 1 and alerts().count() == 1


def test_a_lost_dispute_whose_created_event_comes_last_stays_ended(
    client, published, fakestripe, delivered
):
    opened = fakestripe.open_dispute(charge_of(published))
    fakestripe.close_dispute(opened["id"], "lost")
    events = delivered.new()
    delivered(list(reversed(events)))
    delivered(events)  # every one again, in Stripe's order
    posting = JobPosting.objects.get()
    assert posting.status == Status.DISPUTE_LOST
    # Straight from the board: the search engines were told it left.
    assert Job.objects.get(kind="indexing", name="URL_DELETED").state == Job.State.SENT
    assert posting.transitions.filter(target=Status.DISPUTE_LOST).count() == 1


def test_with_take_down_off_the_posting_stays_on_the_board_until_the_dispute_is_lost(
    client, published, fakestripe, delivered, settings
):
    settings.DISPUTE_TAKES_POSTING_DOWN = False
    opened = fakestripe.open_dispute(charge_of(published))
    delivered()
    posting = JobPosting.objects.with_attention().get()
    assert posting.status == Status.PUBLISHED and on_board(client, posting)
    assert posting.attention_dispute  # staff are told all the same
    assert "being disputed through your bank" in status_page(client, posting)
    fakestripe.close_dispute(opened["id"], "lost")
    delivered()
    assert JobPosting.objects.get().status == Status.DISPUTE_LOST
    assert not on_board(client, posting)


def test_an_inquiry_takes_the_posting_down_and_closing_it_brings_it_back(
    client, published, fakestripe, delivered
):
    opened = fakestripe.open_dispute(charge_of(published), inquiry=True)
    assert delivered() == ["charge.dispute.created"]  # no funds move for an inquiry
    assert JobPosting.objects.get().status == Status.DISPUTED
    assert Dispute.objects.get().funds_withdrawn == 0
    fakestripe.close_dispute(opened["id"], "warning_closed")
    delivered()
    assert JobPosting.objects.get().status == Status.PUBLISHED


def test_a_dispute_of_a_payment_we_do_not_know_is_logged_not_failed(
    client, fakestripe, make_foreign_charge, delivered
):
    fakestripe.open_dispute(make_foreign_charge())
    delivered()
    assert not Dispute.objects.exists()
    assert {event.state for event in StripeEvent.objects.all()} == {"processed"}


@pytest.fixture
def make_foreign_charge(fakestripe):
    """A charge paid at Stripe for a Checkout Session the app never made."""

    def make():
        api = stripe_api()
        session = api.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "success_url": "http://elsewhere.test/ok",
                "cancel_url": "http://elsewhere.test/no",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 500,
                            "product_data": {"name": "Something else"},
                        },
                        "quantity": 1,
                    }
                ],
            }
        )
        fakestripe.pay(session.id)
        intent = api.v1.checkout.sessions.retrieve(session.id).payment_intent
        return api.v1.payment_intents.retrieve(intent).latest_charge

    return make


# --- The staff alert job (wizard.jobs.staff_alert), reusable by any package ------------


def test_staff_alerts_go_by_default_to_staff_allowed_to_refund(settings, run_tasks):
    from django.contrib.auth.models import Permission, User

    settings.STAFF_ALERT_EMAILS = []
    refunder = User.objects.create_user("r", "refunds@example.com", is_staff=True)
    refunder.user_permissions.add(Permission.objects.get(codename="refund_posting"))
    User.objects.create_user("v", "viewer@example.com", is_staff=True)  # may not refund
    User.objects.create_superuser("s", "root@example.com")
    with transaction.atomic():
        first = staff_alert.alert(None, "test:1", "Something to look at", "Details.")
        again = staff_alert.alert(None, "test:1", "Something to look at", "Details.")
    assert first.pk == again.pk  # once per name
    run_tasks()
    [message] = mail.outbox
    assert message.to == ["refunds@example.com", "root@example.com"]
    assert (message.subject, message.body) == ("Something to look at", "Details.")
    assert Job.objects.get(kind=staff_alert.KIND).state == Job.State.SENT


def test_a_staff_alert_with_no_one_to_tell_fails_at_once_for_staff_to_see(settings, run_tasks):
    settings.STAFF_ALERT_EMAILS = []
    with transaction.atomic():
        staff_alert.alert(None, "test:2", "Nobody", "Nobody reads this.")
    run_tasks()
    job = Job.objects.get(kind=staff_alert.KIND)
    assert (job.state, job.attempts) == (Job.State.FAILED, 1)
    assert "STAFF_ALERT_EMAILS" in job.last_error
    assert mail.outbox == []


def test_a_disputed_posting_cannot_be_refunded_by_us(client, in_review, fakestripe, delivered):
    fakestripe.open_dispute(charge_of(in_review))
    delivered()
    posting = JobPosting.objects.get()
    assert posting.status == Status.DISPUTED
    with pytest.raises(refunds.NothingToRefund):
        refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system())
    assert not Refund.objects.exists()


def test_a_dispute_of_a_payment_that_is_not_the_postings_own_moves_nothing(
    client, published, fakestripe, delivered
):
    disputed_charge = charge_of(published)
    attempt_for(published, session_id="cs_test_later", payment_intent_id="pi_later")
    opened = fakestripe.open_dispute(disputed_charge)
    delivered()
    posting = JobPosting.objects.get()
    assert posting.status == Status.PUBLISHED
    record = Dispute.objects.get()
    assert record.payment.payment_intent_id != posting.current_attempt.payment_intent_id
    assert [job.name for job in alerts()] == [f"dispute:{opened['id']}:opened"]
    assert JobPosting.objects.with_attention().get().attention_dispute


def test_a_dispute_of_a_stray_payment_is_recorded_on_its_posting_and_moves_nothing(
    client, published, fakestripe, make_foreign_charge, delivered
):
    """A payment that never became its posting's (a superseded attempt paid late, say)
    has no attempt of its own; our refund of it names the posting."""
    charge = make_foreign_charge()
    stray = stripe_api().v1.charges.retrieve(charge).payment_intent
    Refund.objects.create(
        posting=published,
        payment_intent_id=stray,
        amount=500,
        currency="usd",
        reason=Refund.Reason.SUPERSEDED,
        state=Refund.State.SUCCEEDED,
    )
    opened = fakestripe.open_dispute(charge)
    delivered()
    assert JobPosting.objects.get().status == Status.PUBLISHED  # its own payment stands
    record = Dispute.objects.get()
    assert (record.posting_id, record.payment, record.payment_intent_id) == (
        published.pk,
        None,
        stray,
    )
    assert [job.name for job in alerts()] == [f"dispute:{opened['id']}:opened"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_handlers_of_one_dispute_record_it_and_take_the_posting_down_once(
    client, published, fakestripe
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent handlers need PostgreSQL row locks; CI runs this with DATABASE_URL")
    opened = fakestripe.open_dispute(charge_of(published))

    records = run_at_once(6, lambda: disputes.sync_dispute(opened["id"]))

    assert {record.pk for record in records} == {Dispute.objects.get().pk}
    assert JobPosting.objects.get().status == Status.DISPUTED
    assert published.transitions.filter(target=Status.DISPUTED).count() == 1
    assert alerts().count() == 1
    assert Dispute.objects.get().posting_status_before == Status.PUBLISHED
