"""Staff review a job, not a database row: the posting's page, the compact queue, the
search by reference, and the dashboard's "needs doing now" and revenue by week."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.attempts import attempt_for, waiting_for_review
from tests.factories import posting_at, posting_through
from wizard.admin.dashboard_parts import week_label
from wizard.dashboard.numbers import week_start
from wizard.models import JobPosting, PaymentAttempt, Refund, RefundMade, Status, TransitionLog

pytestmark = pytest.mark.django_db

QUEUE = "/admin/wizard/jobposting/"


def change_page(admin_client, posting):
    return admin_client.get(f"{QUEUE}{posting.pk}/change/").content.decode()


def test_the_posting_page_opens_with_the_job_its_payment_and_big_buttons(admin_client):
    posting = waiting_for_review(description="## What you will do\n\nShip **Django** apps.")
    page = change_page(admin_client, posting)
    review = page[: page.index('id="jobposting_form"')]  # before the admin's own form
    assert '<h2 id="jw-review-heading">Senior Django Engineer</h2>' in review
    assert "<strong>Django</strong>" in review  # the description as the board renders it
    assert posting.reference in review and posting.contact_email in review
    assert "In review" in review or posting.status_label in review
    assert "USD 99.00" in review and f"pi_{posting.pk.hex}" in review
    assert "Payment confirmed" in review  # the employer's ledger
    assert 'class="jw-big-button jw-approve">Approve and publish</button>' in review
    assert f'href="/admin/wizard/jobposting/{posting.pk}/transition/reject/">' in review
    # The raw record is below, folded; the status in words, not its code.
    assert page.count("<details><summary>") >= 4
    assert ">in_review<" not in page


def test_stripe_ids_link_to_its_dashboard_only_with_real_stripe(admin_client, settings):
    posting = waiting_for_review()
    dashboard = f"https://dashboard.stripe.com/test/payments/pi_{posting.pk.hex}"
    assert dashboard not in change_page(admin_client, posting)  # the emulator has none
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.STRIPE_SECRET_KEY = "sk_test_real"
    assert dashboard in change_page(admin_client, posting)


def test_approve_is_one_press_on_the_posting_page(admin_client):
    posting = waiting_for_review()
    response = admin_client.post(f"{QUEUE}{posting.pk}/transition/approve/")
    assert response.status_code == 302
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PUBLISHED


def test_reject_with_a_reason_and_a_note_emails_both_and_logs_them(
    admin_client, run_tasks, django_capture_on_commit_callbacks
):
    posting = waiting_for_review()
    form = admin_client.get(f"{QUEUE}{posting.pk}/transition/reject/?from=queue").content.decode()
    for words in ["Not a real job or not hiring", "Discriminatory or illegal", "Spam or scam"]:
        assert words in form
    assert '<input type="hidden" name="from" value="queue">' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{QUEUE}{posting.pk}/transition/reject/",
            {"reason": "duplicate", "note": "Same job as JW-0000000.", "from": "queue"},
        )
    assert response["Location"] == QUEUE  # back to the queue it came from
    text = "Duplicate of another posting. Same job as JW-0000000."
    assert TransitionLog.objects.get(posting=posting, target=Status.REJECTED).reason == text
    run_tasks()
    [email] = [message for message in mail.outbox if "could not approve" in message.body]
    assert "Duplicate of another posting" in email.body
    assert "Same job as JW-0000000." in email.body


def test_the_queue_is_compact_with_waiting_time_amount_and_row_actions(admin_client):
    posting = waiting_for_review(title="A title long enough to be cut on one line " * 2)
    published = posting_at(Status.PUBLISHED, title="Live already")
    page = admin_client.get(QUEUE).content.decode()
    assert "Add job posting" not in page
    row = re.search(rf"<tr>.*?{posting.reference}.*?</tr>", page, re.S).group(0)
    assert '<td class="field-waiting">3 h</td>' in row
    assert '<td class="field-paid">USD 99.00</td>' in row
    assert '<td class="field-status_label">In review</td>' in row or "In review" in row
    assert "/transition/approve/?from=queue" in row and "/transition/reject/?from=queue" in row
    assert 'class="jw-job-title"' in row and "Acme" in row  # the company under the title
    every = admin_client.get(QUEUE, {"queue": "all"}).content.decode()
    live = re.search(rf"<tr>.*?{published.reference}.*?</tr>", every, re.S).group(0)
    assert "transition/" not in live and ">Open</a>" in live


def test_no_posting_is_added_in_the_admin(admin_client):
    assert admin_client.get(f"{QUEUE}add/").status_code == 403


def test_the_filters_are_the_few_that_matter(admin_client):
    waiting_for_review()
    titles = [
        spec.title
        for spec in admin_client.get(QUEUE).context["cl"].filter_specs
        if spec.has_output()
    ]
    assert titles == ["queue", "needs attention", "status", "paid", "created at"]
    chosen = admin_client.get(QUEUE, {"reached": Status.PAID})
    assert "reached" in [
        spec.title for spec in chosen.context["cl"].filter_specs if spec.has_output()
    ]


@pytest.mark.parametrize("typed", ["{ref}", "{lower}", "{bare}"])
def test_a_posting_is_found_by_its_reference(admin_client, typed):
    wanted = posting_at(Status.PUBLISHED, title="Wanted")
    posting_at(Status.PUBLISHED, title="Other")
    ref = wanted.reference
    term = typed.format(ref=ref, lower=ref.lower(), bare=ref.removeprefix("JW-"))
    found = admin_client.get(QUEUE, {"q": term}).context["cl"].result_list
    assert list(found) == [wanted]


def test_the_dashboard_counts_postings_awaiting_review_and_the_oldest_wait(admin_client):
    waiting_for_review(hours=2)
    oldest = waiting_for_review(hours=7)
    posting_at(Status.PUBLISHED)
    response = admin_client.get("/admin/dashboard/")
    tile = next(tile for tile in response.context["now_tiles"] if tile.label == "Awaiting review")
    assert (tile.value, tile.note) == ("2", "oldest waiting 7 h")
    listed = admin_client.get(tile.href).context["cl"].result_list
    assert list(listed)[0] == oldest and len(listed) == 2
    assert b"Needs doing now" in response.content


def test_revenue_by_week_is_net_of_refunds_per_currency(admin_client):
    now = timezone.now()
    this_week, last_week = week_start(now), week_start(now) - timedelta(weeks=1)

    def paid(amount, currency, at):
        posting = posting_through(Status.AWAITING_PAYMENT, Status.PAID)
        attempt = attempt_for(posting, payment_intent_id=f"pi_{posting.pk.hex}", amount=amount)
        PaymentAttempt.objects.filter(pk=attempt.pk).update(currency=currency, paid_at=at)
        return posting, attempt

    paid(9900, "usd", this_week + timedelta(hours=1))
    refunded, attempt = paid(9900, "usd", this_week + timedelta(hours=2))
    paid(5000, "eur", this_week + timedelta(hours=3))
    paid(1000000, "jpy", last_week + timedelta(hours=1))
    Refund.objects.create(
        posting=refunded,
        payment_intent_id=attempt.payment_intent_id,
        amount=9900,
        currency="usd",
        reason=Refund.Reason.REJECTED,
        state=Refund.State.SUCCEEDED,
        completed_at=this_week + timedelta(hours=4),
    )
    RefundMade.objects.create(  # a partial refund made from Stripe's Dashboard
        payment=attempt,
        stripe_refund_id="re_dashboard",
        amount=1000,
        currency="eur",
        status="succeeded",
        by_us=False,
    )
    RefundMade.objects.create(  # our own refund, counted once (as the Refund above)
        payment=attempt,
        stripe_refund_id="re_ours",
        amount=9900,
        currency="usd",
        status="succeeded",
        by_us=True,
    )
    rows = {row.week: row for row in admin_client.get("/admin/dashboard/").context["revenue"]}
    week = rows[week_label(this_week)]
    assert (week.paid, week.refunded) == ("EUR 50.00, USD 198.00", "EUR 10.00, USD 99.00")
    assert week.net == "EUR 40.00, USD 99.00"
    assert rows[week_label(last_week)].net == "JPY 1,000,000"
    assert len(rows) == 8
