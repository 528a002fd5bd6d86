"""Renewing a live or expired posting: a payment of its own on the same posting, applied
once by the one fulfil path, refunded when the posting can no longer have it."""

import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.conftest import stripe_api
from tests.factories import posting_at
from tests.integration.test_payment import return_path, session_id_from
from tests.integration.test_refunds import latest_event
from tests.integration.test_webhooks import deliver
from wizard.account.actions import offered
from wizard.effects.email import Email, compose, queue_email
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, PaymentAttempt, Refund, Status, TransitionLog
from wizard.payments.fulfilment import FulfilOutcome, fulfil
from wizard.payments.later_payments import refund as refund_renewal
from wizard.payments.reconcile import reconcile
from wizard.payments.refunds import record_external_refund
from wizard.postings import links, review
from wizard.postings.money import money
from wizard.postings.transitions import locked_posting
from wizard.postings.zones import posting_zone

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def owner(client):
    account = employer("owner@example.com")
    sign_in_as(client, account)
    return account


def live_posting(account=None, **fields):
    posting = posting_at(Status.IN_REVIEW, employer=account, **fields)
    return review.approve(posting.pk, by=Actor.system())


def expired_posting(account=None):
    posting = live_posting(account)
    JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() - DAY)
    assert review.expire_due_postings() == [posting.pk]
    return JobPosting.objects.get(pk=posting.pk)


def renew_url(posting):
    return reverse("wizard:renew", args=[posting.pk])


def start(client, url):
    """Press Pay on a renew page: the checkout's session id."""
    response = client.post(url)
    assert response.status_code == 302, response.content
    return session_id_from(response["Location"])


def pay_and_return(client, fakestripe, session_id):
    status, location = fakestripe.pay(session_id)
    assert status == 303, location
    return client.get(return_path(location))


def renewals(posting):
    return PaymentAttempt.objects.filter(posting=posting, purpose=PaymentAttempt.Purpose.RENEWAL)


def test_renewing_a_live_posting_extends_it_from_its_expiry_without_review(
    client, owner, fakestripe
):
    posting = live_posting(owner)
    expires_at, transitions = posting.expires_at, posting.transitions.count()

    page = client.get(renew_url(posting))
    assert page.status_code == 200
    text = page.content.decode()
    zone = posting_zone(posting)  # the page's dates are the posting's, as its emails' are
    then, until = localtime(expires_at, zone), localtime(expires_at + 30 * DAY, zone)
    assert f"{then:%-d %B} → {until:%-d %B %Y}" in text
    assert money(9900, "usd") in text

    response = pay_and_return(client, fakestripe, start(client, renew_url(posting)))
    assert response.status_code == 200 and "Your posting is renewed" in response.content.decode()

    renewed = JobPosting.objects.get(pk=posting.pk)
    assert renewed.status == Status.PUBLISHED
    assert renewed.expires_at == expires_at + 30 * DAY
    assert renewed.transitions.count() == transitions  # no review, no status change
    [attempt] = renewals(posting)
    assert (attempt.state, attempt.days, attempt.amount) == ("paid", 30, 9900)
    assert attempt.payment_intent_id.startswith("pi_")
    assert renewed.current_attempt_id != attempt.pk  # never the posting's own payment


def test_a_renewal_records_its_invoice_and_receipt_like_a_first_payment(client, owner, fakestripe):
    posting = live_posting(owner)
    pay_and_return(client, fakestripe, start(client, renew_url(posting)))

    [attempt] = renewals(posting)
    assert attempt.invoice_id.startswith("in_")
    assert attempt.invoice_pdf_url and attempt.receipt_url


def test_the_checkout_names_the_renewal_and_its_days(client, owner, fakestripe):
    posting = live_posting(owner, title="Baker")
    session_id = start(client, renew_url(posting))
    session = stripe_api().v1.checkout.sessions.retrieve(
        session_id, params={"expand": ["line_items"]}
    )
    names = [item.description for item in session.line_items.data]
    assert names == ["Renewal: Baker (30 more days)"]
    attempt = renewals(posting).get()
    assert attempt.idempotency_key == f"jobwizard-checkout-{posting.pk}-{attempt.number}"


def test_renewing_an_expired_posting_publishes_it_again_and_tells_the_search_engines(
    client, owner, fakestripe
):
    posting = expired_posting(owner)
    Job.objects.filter(kind="indexing").delete()
    before = timezone.now()

    pay_and_return(client, fakestripe, start(client, renew_url(posting)))

    renewed = JobPosting.objects.get(pk=posting.pk)
    assert renewed.status == Status.PUBLISHED
    assert before + 30 * DAY <= renewed.expires_at <= timezone.now() + 30 * DAY
    log = renewed.transitions.last()
    assert (log.transition, log.source, log.target) == ("relist", "expired", "published")
    assert not renewed.transitions.filter(target=Status.IN_REVIEW, at__gte=before).exists()
    notice = Job.objects.get(kind="indexing", posting=posting)
    assert (notice.name, notice.state) == ("URL_UPDATED", "queued")
    assert client.get(links.public_url(renewed).split("testserver")[-1]).status_code == 200


def test_the_return_and_the_webhook_together_extend_once(client, owner, fakestripe, run_tasks):
    posting = live_posting(owner)
    expires_at = posting.expires_at
    session_id = start(client, renew_url(posting))
    pay_and_return(client, fakestripe, session_id)
    event = stripe_api().v1.events.list(params={"type": "checkout.session.completed"}).data[0]
    assert deliver(client, json.dumps(event.to_dict()).encode()).status_code == 200
    run_tasks()
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.ALREADY_PAID

    assert JobPosting.objects.get(pk=posting.pk).expires_at == expires_at + 30 * DAY
    assert not Refund.objects.exists()


def test_a_renewal_the_previous_release_recorded_as_the_postings_payment_is_applied_once(
    client, owner, fakestripe
):
    """During a rolling upgrade a process of the previous release, which knows no purposes,
    may fulfil a renewal's session: it adopts the renewal as the posting's current attempt
    and records it paid without moving the expiry. The next fulfil applies it, once."""
    posting = live_posting(owner)
    first_payment = attempt_for(posting, session_id="cs_first", payment_intent_id="pi_first")
    expires_at = posting.expires_at
    session_id = start(client, renew_url(posting))
    assert fakestripe.pay(session_id)[0] == 303
    renewal = renewals(posting).get()
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    PaymentAttempt.objects.filter(pk=renewal.pk).update(
        state="paid", payment_intent_id=session.payment_intent, paid_at=timezone.now()
    )
    JobPosting.objects.filter(pk=posting.pk).update(current_attempt=renewal)

    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.PAID
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.ALREADY_PAID

    renewed = JobPosting.objects.get(pk=posting.pk)
    assert renewed.expires_at == expires_at + 30 * DAY
    assert renewed.current_attempt_id == first_payment.pk
    assert renewed.payment_intent_id == "pi_first"  # the previous release's copy, put back
    assert renewals(posting).get().applied_at is not None
    assert not Refund.objects.exists()


ACH = "us_bank_account"  # the delayed method fakestripe offers in USD


def renewal_paid_by_bank(client, owner, fakestripe):
    """A live posting whose renewal's bank debit is processing, as the return leaves it."""
    posting = live_posting(owner)
    session_id = start(client, renew_url(posting))
    status, location = fakestripe.pay_delayed(session_id, ACH)
    assert status == 303, location
    page = client.get(return_path(location)).content.decode()
    assert "Your bank payment is on its way" in page
    return posting, session_id


def test_a_renewal_paid_by_bank_waits_for_its_money_and_opens_no_second_checkout(
    client, owner, fakestripe
):
    posting, session_id = renewal_paid_by_bank(client, owner, fakestripe)
    [attempt] = renewals(posting)
    assert (attempt.state, attempt.payment_method_type) == ("processing", ACH)
    assert JobPosting.objects.get(pk=posting.pk).expires_at == posting.expires_at

    again = client.post(renew_url(posting))  # Renew pressed again while the debit is on its way
    assert again.status_code == 409 and "on its way" in again.content.decode()
    assert renewals(posting).count() == 1

    fakestripe.async_result(session_id, succeeded=True)
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.PAID
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.ALREADY_PAID
    assert JobPosting.objects.get(pk=posting.pk).expires_at == posting.expires_at + 30 * DAY
    assert not Refund.objects.exists()


def test_a_failed_bank_payment_for_a_renewal_lets_the_employer_renew_again(
    client, owner, fakestripe, run_tasks
):
    posting, session_id = renewal_paid_by_bank(client, owner, fakestripe)
    fakestripe.async_result(session_id, succeeded=False)
    event = latest_event("checkout.session.async_payment_failed")
    assert deliver(client, json.dumps(event).encode()).status_code == 200
    run_tasks()

    [failed] = renewals(posting)
    assert failed.state == "closed" and failed.applied_at is None
    renewed = JobPosting.objects.get(pk=posting.pk)
    assert (renewed.status, renewed.expires_at) == (Status.PUBLISHED, posting.expires_at)
    assert start(client, renew_url(posting)) != session_id  # a new checkout
    assert renewals(posting).count() == 2


def test_a_renewal_paid_for_a_withdrawn_posting_is_refunded(client, owner, fakestripe):
    posting = live_posting(owner)
    session_id = start(client, renew_url(posting))
    review.withdraw(posting.pk, by=Actor.system(), reason="Breaks the rules")
    withdrawn = JobPosting.objects.get(pk=posting.pk)

    pay_and_return(client, fakestripe, session_id)

    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.status, after.expires_at) == (Status.EXPIRED, withdrawn.expires_at)
    record = Refund.objects.get()
    assert (
        record.payment_intent_id
        == stripe_api().v1.checkout.sessions.retrieve(session_id).payment_intent
    )
    assert (record.reason, record.state) == ("superseded", "succeeded")
    assert "not_applicable" in record.note
    # …and the page says it cannot be renewed, starting nothing.
    assert client.post(renew_url(posting)).status_code == 409
    assert renewals(posting).count() == 1


def test_the_reconciler_applies_a_renewal_paid_but_never_returned_from(client, owner, fakestripe):
    posting = live_posting(owner)
    expires_at = posting.expires_at
    session_id = start(client, renew_url(posting))
    fakestripe.pay(session_id)  # no return, no webhook

    [difference] = [found for found in reconcile() if found.session_id == session_id]
    assert difference.action == "fulfilled"
    assert JobPosting.objects.get(pk=posting.pk).expires_at == expires_at + 30 * DAY
    assert [found for found in reconcile() if found.session_id == session_id] == []


def test_a_staff_refund_of_a_renewal_takes_its_days_back(client, owner, fakestripe):
    posting = live_posting(owner)
    expires_at = posting.expires_at
    pay_and_return(client, fakestripe, start(client, renew_url(posting)))
    attempt = renewals(posting).get()

    record = refund_renewal(attempt, by=Actor.system())
    assert refund_renewal(attempt, by=Actor.system()) == record  # once

    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.status, after.expires_at) == (Status.PUBLISHED, expires_at)
    assert (record.payment_intent_id, record.state) == (attempt.payment_intent_id, "succeeded")
    assert PaymentAttempt.objects.get(pk=attempt.pk).amount_refunded == 9900


def test_a_refunded_renewal_of_a_relisted_posting_takes_it_off_the_board(client, owner, fakestripe):
    posting = expired_posting(owner)
    pay_and_return(client, fakestripe, start(client, renew_url(posting)))

    refund_renewal(renewals(posting).get(), by=Actor.system())

    after = JobPosting.objects.get(pk=posting.pk)
    assert after.status == Status.EXPIRED and after.expires_at <= timezone.now()


# --- The expiry warning's one-click link ---------------------------------------------


def emailed_renew_path(posting):
    """The renew link in the posting's expiry warning, as a path of this site."""
    with transaction.atomic():
        warning = queue_email(posting, Email.EXPIRING)
    html = compose(warning).alternatives[0][0]
    url = links.renew_url(posting)
    assert url in html
    return url.split("testserver")[-1]


def test_the_expiry_email_links_to_a_renew_page_that_a_get_never_charges(client, fakestripe):
    posting = live_posting()  # an employer without an account
    path = emailed_renew_path(posting)

    page = client.get(path)  # a mail scanner, or the employer
    assert page.status_code == 200
    assert page.content.decode().count('type="submit"') == 1  # one Pay button
    assert not renewals(posting).exists()

    session_id = start(client, path)
    response = pay_and_return(client, fakestripe, session_id)
    assert "Your posting is renewed" in response.content.decode()
    assert renewals(posting).get().state == PaymentAttempt.State.PAID


def test_the_email_link_of_one_posting_cannot_renew_another(client, fakestripe):
    mine, theirs = live_posting(), live_posting()
    their_session = start(client, links.renew_url(theirs).split("testserver")[-1])
    fakestripe.pay(their_session)
    paid_path = reverse("wizard:renew_paid", args=[links.make_renew_token(mine)])

    assert client.get(f"{paid_path}?session_id={their_session}").status_code == 404
    assert JobPosting.objects.get(pk=theirs.pk).expires_at == theirs.expires_at
    # Nor is a link of another kind (the manage link) a renew link.
    manage_token = links.make_manage_token(mine)
    assert client.get(reverse("wizard:renew_link", args=[manage_token])).status_code == 400


def test_a_replaced_manage_link_revokes_the_renew_link(client):
    posting = live_posting()
    path = links.renew_url(posting).split("testserver")[-1]
    JobPosting.objects.filter(pk=posting.pk).update(manage_nonce="a-new-one")
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    assert not renewals(posting).exists()


def test_another_employers_renew_page_is_not_found(client, owner, fakestripe):
    theirs = live_posting(employer("other@example.com"))
    assert client.get(renew_url(theirs)).status_code == 404
    assert client.post(renew_url(theirs)).status_code == 404
    assert not renewals(theirs).exists()


def test_renew_is_offered_for_live_and_expired_postings_only(owner):
    def labels(posting):
        return [found.label for found in offered(posting)]

    assert "Renew" in labels(live_posting(owner))
    assert "Renew" in labels(expired_posting(owner))
    assert "Renew" not in labels(posting_at(Status.IN_REVIEW, employer=owner))
    assert "Renew" not in labels(posting_at(Status.REFUNDED, employer=owner))


# --- Staff ---------------------------------------------------------------------------------


def test_staff_refund_a_renewal_from_the_postings_page_behind_a_reason(
    client, owner, fakestripe, admin_client
):
    posting = live_posting(owner)
    expires_at = posting.expires_at
    pay_and_return(client, fakestripe, start(client, renew_url(posting)))
    attempt = renewals(posting).get()
    url = reverse("admin:wizard_jobposting_refund_later_payment", args=[posting.pk, attempt.pk])

    page = admin_client.get(reverse("admin:wizard_jobposting_change", args=[posting.pk]))
    assert url in page.content.decode()
    assert b"will be refunded in full" in admin_client.get(url).content
    assert b"This field is required" in admin_client.post(url, {"reason": ""}).content
    assert not Refund.objects.exists()

    assert admin_client.post(url, {"reason": "Asked by phone"}).status_code == 302
    record = Refund.objects.get()
    assert (record.payment_intent_id, record.note) == (attempt.payment_intent_id, "Asked by phone")
    assert JobPosting.objects.get(pk=posting.pk).expires_at == expires_at
    assert admin_client.get(url).status_code == 404  # refunded: nothing more to refund


def test_staff_without_the_refund_permission_cannot_refund_a_renewal(client, owner, fakestripe):
    from django.contrib.auth.models import Permission, User

    posting = live_posting(owner)
    pay_and_return(client, fakestripe, start(client, renew_url(posting)))
    attempt = renewals(posting).get()
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_jobposting", "change_jobposting"])
    )
    client.force_login(user)
    url = reverse("admin:wizard_jobposting_refund_later_payment", args=[posting.pk, attempt.pk])
    assert client.post(url, {"reason": "No"}).status_code == 403
    assert not Refund.objects.exists()


def test_a_renewed_posting_is_warned_again_before_its_new_expiry(client, owner, fakestripe):
    from wizard.effects.email import warn_expiring_postings

    posting = live_posting(owner)
    JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() + DAY)
    assert warn_expiring_postings() == [posting.pk]
    assert warn_expiring_postings() == []  # once per expiry

    pay_and_return(client, fakestripe, start(client, renew_url(posting)))
    assert warn_expiring_postings() == []  # its new expiry is a month away

    a_day_before = JobPosting.objects.get(pk=posting.pk).expires_at - DAY
    with mock.patch("django.utils.timezone.now", return_value=a_day_before):
        assert warn_expiring_postings() == [posting.pk]


def test_pressing_pay_again_goes_back_to_the_open_renewal_checkout(client, owner, fakestripe):
    posting = live_posting(owner)
    first = client.post(renew_url(posting))["Location"]
    assert client.post(renew_url(posting))["Location"] == first
    assert renewals(posting).count() == 1


def test_which_postings_may_be_renewed():
    from tests.factories import posting_through

    withdrawn = posting_through(Status.IN_REVIEW, Status.PUBLISHED, Status.EXPIRED)
    TransitionLog.objects.filter(posting=withdrawn, target=Status.EXPIRED).update(
        transition="withdraw"
    )
    expired = posting_through(Status.IN_REVIEW, Status.PUBLISHED, Status.EXPIRED)
    assert expired.is_renewable and not JobPosting.objects.get(pk=withdrawn.pk).is_renewable
    for status in (Status.REJECTED, Status.REFUNDED, Status.DISPUTED, Status.DISPUTE_LOST):
        assert not posting_at(status).is_renewable, status
    assert posting_at(Status.PUBLISHED).is_renewable


def test_a_list_of_postings_knows_which_were_withdrawn_in_its_one_query(
    django_assert_num_queries,
):
    from tests.factories import posting_through

    for _ in range(3):
        posting_through(Status.IN_REVIEW, Status.PUBLISHED, Status.EXPIRED)
    TransitionLog.objects.filter(target=Status.EXPIRED).update(transition="withdraw")
    with django_assert_num_queries(1):
        postings = list(JobPosting.objects.with_withdrawal())
        assert [posting.is_renewable for posting in postings] == [False] * 3


@pytest.mark.parametrize("ending", ["end_with_refund", "take_down_for_dispute"])
def test_a_renewal_paid_after_the_first_payment_was_refunded_or_disputed_is_refunded(
    client, owner, fakestripe, ending
):
    posting = live_posting(owner)
    session_id = start(client, renew_url(posting))
    with locked_posting(posting.pk) as locked:  # as a refund or dispute at Stripe does
        getattr(locked, ending)(by=Actor.system(), why="The first payment came back")
        locked.save()
    ended = JobPosting.objects.get(pk=posting.pk)

    pay_and_return(client, fakestripe, session_id)

    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.status, after.expires_at) == (ended.status, ended.expires_at)
    intent = stripe_api().v1.checkout.sessions.retrieve(session_id).payment_intent
    record = Refund.objects.get(payment_intent_id=intent)
    assert (record.reason, record.state) == ("superseded", "succeeded")
    assert "not_applicable" in record.note
    assert client.post(renew_url(posting)).status_code == 409
    assert renewals(posting).count() == 1


def test_a_renewal_refunded_in_stripes_dashboard_takes_its_days_back_once(
    client, owner, fakestripe
):
    posting = live_posting(owner)
    expires_at = posting.expires_at
    pay_and_return(client, fakestripe, start(client, renew_url(posting)))
    attempt = renewals(posting).get()
    stripe_api().v1.refunds.create(params={"payment_intent": attempt.payment_intent_id})
    intent = stripe_api().v1.payment_intents.retrieve(attempt.payment_intent_id)

    for _ in range(2):  # the webhook, then the reconciler: the same charge twice
        record_external_refund(intent.latest_charge, by=Actor.system())

    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.status, after.expires_at) == (Status.PUBLISHED, expires_at)
    record = Refund.objects.get(payment_intent_id=attempt.payment_intent_id)
    assert (record.reason, record.state) == ("external", "succeeded")
    assert PaymentAttempt.objects.get(pk=attempt.pk).amount_refunded == attempt.amount


def test_the_renew_pages_give_dates_in_the_postings_zone_as_its_expiry_email_does(
    client, owner, fakestripe
):
    posting = live_posting(owner, country="NZ", city="Auckland", workplace="on_site")
    # 23:30 UTC on 1 March is already 2 March in Auckland.
    expires_at = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    JobPosting.objects.filter(pk=posting.pk).update(expires_at=expires_at)

    text = client.get(renew_url(posting)).content.decode()
    assert "2 March → 1 April 2027" in text

    response = pay_and_return(client, fakestripe, start(client, renew_url(posting)))
    assert "on the board until 1 April 2027" in response.content.decode()
    assert JobPosting.objects.get(pk=posting.pk).expires_at == expires_at + 30 * DAY
