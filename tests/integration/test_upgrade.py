"""Featuring a live standard posting: a later payment of its own (purpose "upgrade") on the
same posting, opened through the same code as a renewal's, applied once by the one fulfil
path, and taken back alone by a refund of it."""

import json

import pytest
from django.urls import reverse

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.conftest import stripe_api
from tests.factories import posting_at
from tests.integration.test_payment import return_path, session_id_from
from tests.integration.test_promotion_codes import make_code
from tests.integration.test_refunds import latest_event
from tests.integration.test_webhooks import deliver
from wizard.account.actions import offered
from wizard.models import Actor, JobPosting, PaymentAttempt, Refund, Status
from wizard.payments.fulfilment import FulfilOutcome, fulfil
from wizard.payments.later_payments import refund
from wizard.payments.reconcile import reconcile
from wizard.payments.refunds import record_external_refund
from wizard.postings import review
from wizard.postings.business import Business, keep
from wizard.postings.money import money
from wizard.postings.plans import Plan, PlanPrice

pytestmark = pytest.mark.django_db

STANDARD, FEATURED = 9900, 14900  # USD cents


@pytest.fixture
def owner(client):
    account = employer("owner@example.com")
    sign_in_as(client, account)
    return account


@pytest.fixture
def sold_plans():
    """A board selling a standard plan and a featured one, in USD only."""
    standard = Plan.objects.create(name="Standard", lifetime_days=30, order=1)
    featured = Plan.objects.create(name="Featured", lifetime_days=30, featured=True, order=2)
    PlanPrice.objects.create(plan=standard, currency="usd", amount=STANDARD)
    PlanPrice.objects.create(plan=featured, currency="usd", amount=FEATURED)
    return standard, featured


def live_posting(account=None, **fields):
    """A posting on the board, its first payment (a standard listing, USD 99) settled."""
    posting = posting_at(Status.IN_REVIEW, employer=account, **fields)
    attempt_for(posting, session_id="cs_first", payment_intent_id="pi_first", amount=STANDARD)
    return review.approve(posting.pk, by=Actor.system())


def feature_url(posting):
    return reverse("wizard:feature", args=[posting.pk])


def start(client, posting):
    response = client.post(feature_url(posting))
    assert response.status_code == 302, response.content
    return session_id_from(response["Location"])


def upgrades(posting):
    return PaymentAttempt.objects.filter(posting=posting, purpose=PaymentAttempt.Purpose.UPGRADE)


def featured(posting):
    return JobPosting.objects.get(pk=posting.pk).featured


def test_the_page_says_what_featuring_buys_and_its_price(client, owner, sold_plans):
    posting = live_posting(owner)
    assert "Feature this posting" in [each.label for each in offered(posting)]

    page = client.get(feature_url(posting))

    text = page.content.decode()
    assert page.status_code == 200
    assert "pinned at the top of the board" in text
    assert f"Pay {money(FEATURED - STANDARD, 'usd')}" in text
    assert not upgrades(posting).exists()  # a GET starts nothing


def test_an_upgrade_paid_and_returned_from_features_the_posting_once(
    client, owner, fakestripe, sold_plans
):
    posting = live_posting(owner, title="Baker")
    expires_at, transitions = posting.expires_at, posting.transitions.count()
    session_id = start(client, posting)
    session = stripe_api().v1.checkout.sessions.retrieve(
        session_id, params={"expand": ["line_items"]}
    )
    assert [item.description for item in session.line_items.data] == ["Featured upgrade: Baker"]
    assert session.amount_total == FEATURED - STANDARD

    status, location = fakestripe.pay(session_id)
    page = client.get(return_path(location))

    assert "Your posting is now featured" in page.content.decode()
    assert f"You paid {money(FEATURED - STANDARD, 'usd')}. Its receipt is on" in (
        page.content.decode()
    )
    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.featured, after.status, after.expires_at) == (True, "published", expires_at)
    assert after.transitions.count() == transitions  # no review, no status change
    [attempt] = upgrades(posting)
    assert (attempt.state, attempt.amount, attempt.days, attempt.featured) == (
        "paid",
        FEATURED - STANDARD,
        None,
        True,
    )
    assert attempt.plan == sold_plans[1]
    assert attempt.idempotency_key == f"jobwizard-checkout-{posting.pk}-{attempt.number}"
    assert after.current_attempt.purpose == PaymentAttempt.Purpose.FIRST  # its own payment
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.ALREADY_PAID
    assert "Feature this posting" not in [each.label for each in offered(after)]
    assert client.get(feature_url(posting)).status_code == 409


def test_an_upgrade_paid_is_applied_by_the_webhook(
    client, owner, fakestripe, run_tasks, sold_plans
):
    posting = live_posting(owner)
    session_id = start(client, posting)
    fakestripe.pay(session_id)  # no return

    event = latest_event("checkout.session.completed")
    assert deliver(client, json.dumps(event).encode()).status_code == 200
    run_tasks()

    assert featured(posting)
    assert upgrades(posting).get().applied_at is not None


def test_the_reconciler_applies_an_upgrade_paid_but_never_returned_from(
    client, owner, fakestripe, sold_plans
):
    posting = live_posting(owner)
    session_id = start(client, posting)
    fakestripe.pay(session_id)  # no return, no webhook

    [difference] = [found for found in reconcile() if found.session_id == session_id]
    assert difference.action == "fulfilled"
    assert featured(posting)
    assert [found for found in reconcile() if found.session_id == session_id] == []


def test_pressing_pay_again_goes_back_to_the_open_upgrade_checkout(
    client, owner, fakestripe, sold_plans
):
    posting = live_posting(owner)
    first = client.post(feature_url(posting))["Location"]
    assert client.post(feature_url(posting))["Location"] == first
    assert upgrades(posting).count() == 1


ACH = "us_bank_account"


def test_an_upgrade_paid_by_bank_waits_for_its_money_and_is_applied_once(
    client, owner, fakestripe, sold_plans
):
    posting = live_posting(owner)
    session_id = start(client, posting)
    status, location = fakestripe.pay_delayed(session_id, ACH)
    assert "Your bank payment is on its way" in client.get(return_path(location)).content.decode()
    assert upgrades(posting).get().state == "processing" and not featured(posting)

    again = client.post(feature_url(posting))
    assert again.status_code == 409 and "on its way" in again.content.decode()
    assert upgrades(posting).count() == 1

    fakestripe.async_result(session_id, succeeded=True)
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.PAID
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.ALREADY_PAID
    assert featured(posting)


def test_a_failed_bank_payment_for_an_upgrade_closes_it(
    client, owner, fakestripe, run_tasks, sold_plans
):
    posting = live_posting(owner)
    session_id = start(client, posting)
    fakestripe.pay_delayed(session_id, ACH)
    fakestripe.async_result(session_id, succeeded=False)
    event = latest_event("checkout.session.async_payment_failed")
    assert deliver(client, json.dumps(event).encode()).status_code == 200
    run_tasks()

    assert upgrades(posting).get().state == "closed" and not featured(posting)
    assert start(client, posting) != session_id  # the employer may try again
    assert upgrades(posting).count() == 2


def paid_upgrade(client, owner, fakestripe):
    posting = live_posting(owner)
    status, location = fakestripe.pay(start(client, posting))
    client.get(return_path(location))
    assert featured(posting)
    return posting, upgrades(posting).get()


def test_a_staff_refund_of_an_upgrade_takes_only_the_feature_back(
    client, owner, fakestripe, sold_plans
):
    posting, attempt = paid_upgrade(client, owner, fakestripe)

    record = refund(attempt, by=Actor.system())
    assert refund(attempt, by=Actor.system()) == record  # once

    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.featured, after.status, after.expires_at) == (
        False,
        "published",
        posting.expires_at,
    )
    assert (record.payment_intent_id, record.state) == (attempt.payment_intent_id, "succeeded")
    assert Refund.objects.filter(payment_intent_id="pi_first").exists() is False
    assert PaymentAttempt.objects.get(pk=attempt.pk).amount_refunded == FEATURED - STANDARD


def test_staff_refund_an_upgrade_from_the_postings_admin_page(
    client, owner, fakestripe, admin_client, sold_plans
):
    posting, attempt = paid_upgrade(client, owner, fakestripe)
    url = reverse("admin:wizard_jobposting_refund_later_payment", args=[posting.pk, attempt.pk])

    page = admin_client.get(reverse("admin:wizard_jobposting_change", args=[posting.pk]))
    assert url in page.content.decode()
    assert "Upgrade to featured" in page.content.decode()
    assert b"no longer featured" in admin_client.get(url).content
    assert admin_client.post(url, {"reason": "Asked by phone"}).status_code == 302

    assert Refund.objects.get().payment_intent_id == attempt.payment_intent_id
    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.featured, after.status) == (False, "published")


def test_an_upgrade_refunded_in_stripes_dashboard_takes_the_feature_back_once(
    client, owner, fakestripe, sold_plans
):
    posting, attempt = paid_upgrade(client, owner, fakestripe)
    stripe_api().v1.refunds.create(params={"payment_intent": attempt.payment_intent_id})
    intent = stripe_api().v1.payment_intents.retrieve(attempt.payment_intent_id)

    for _ in range(2):  # the webhook, then the reconciler: the same charge twice
        record_external_refund(intent.latest_charge, by=Actor.system())

    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.featured, after.status, after.expires_at) == (
        False,
        "published",
        posting.expires_at,
    )
    assert Refund.objects.get().reason == "external"


def test_a_featured_posting_renewed_stays_featured(client, owner, fakestripe, sold_plans):
    posting, _ = paid_upgrade(client, owner, fakestripe)
    response = client.post(reverse("wizard:renew", args=[posting.pk]))
    status, location = fakestripe.pay(session_id_from(response["Location"]))
    client.get(return_path(location))

    after = JobPosting.objects.get(pk=posting.pk)
    assert after.featured and after.expires_at > posting.expires_at


def test_the_payments_page_lists_the_upgrade_as_its_own_payment(
    client, owner, fakestripe, sold_plans
):
    posting, _ = paid_upgrade(client, owner, fakestripe)
    for url in (
        reverse("wizard:account_payments"),
        reverse("wizard:account_posting", args=[posting.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Upgrade to featured" in page and "First payment" in page
        assert money(FEATURED - STANDARD, "usd") in page


def test_a_dispute_of_an_upgrade_leaves_the_posting_live_and_featured(
    client, owner, fakestripe, run_tasks, sold_plans
):
    """As a renewal's dispute keeps its days: the upgrade is not the posting's own payment,
    so the dispute moves nothing; staff are alerted and may refund it."""
    from wizard.payments.chargebacks import Dispute

    posting, attempt = paid_upgrade(client, owner, fakestripe)
    charge = stripe_api().v1.payment_intents.retrieve(attempt.payment_intent_id).latest_charge
    fakestripe.open_dispute(charge)
    for event in stripe_api().v1.events.list(params={"limit": 100}).data:
        if event.type.startswith("charge.dispute."):
            assert deliver(client, event.to_dict()).status_code == 200
    run_tasks()

    assert Dispute.objects.get().payment_id == attempt.pk
    after = JobPosting.objects.get(pk=posting.pk)
    assert (after.status, after.featured) == ("published", True)


# --- Refusals ------------------------------------------------------------------------------


def refused(client, posting):
    response = client.post(feature_url(posting))
    assert response.status_code == 409
    assert "Feature this posting" not in [each.label for each in offered(posting)]
    return response


def test_a_draft_cannot_be_featured(client, owner, fakestripe, sold_plans):
    refused(client, posting_at(Status.DRAFT, employer=owner))
    assert not PaymentAttempt.objects.filter(purpose="upgrade").exists()


def test_an_expired_posting_cannot_be_featured(client, owner, fakestripe, sold_plans):
    posting = live_posting(owner)
    JobPosting.objects.filter(pk=posting.pk).update(status=Status.EXPIRED)
    refused(client, JobPosting.objects.get(pk=posting.pk))
    assert not upgrades(posting).exists()


def test_a_featured_posting_cannot_be_featured_again(client, owner, fakestripe, sold_plans):
    posting = live_posting(owner)
    JobPosting.objects.filter(pk=posting.pk).update(featured=True)
    response = refused(client, JobPosting.objects.get(pk=posting.pk))
    assert "featured already" in response.content.decode()


def test_no_upgrade_without_a_featured_plan_in_the_postings_currency(
    client, owner, fakestripe, sold_plans
):
    posting = live_posting(owner)
    price = PlanPrice.objects.get(plan=sold_plans[1])
    price.currency = "eur"
    price.save()  # the plans' cache is emptied
    refused(client, posting)
    assert not upgrades(posting).exists()


def test_another_employers_posting_cannot_be_featured(client, owner, sold_plans):
    theirs = live_posting(employer("them@example.com"))
    assert client.get(feature_url(theirs)).status_code == 404


def test_a_refund_of_the_first_payment_ends_the_posting_and_leaves_its_upgrade_paid(
    client, owner, fakestripe, sold_plans
):
    """A known leftover, as for renewals: the upgrade is not refunded with the posting."""
    from wizard.postings.transitions import locked_posting

    posting, attempt = paid_upgrade(client, owner, fakestripe)
    with locked_posting(posting.pk) as locked:  # as a refund of the first payment does
        locked.end_with_refund(by=Actor.system(), why="The first payment came back")
        locked.save()

    assert JobPosting.objects.get(pk=posting.pk).status == Status.REFUNDED
    assert not Refund.objects.filter(payment_intent_id=attempt.payment_intent_id).exists()
    assert PaymentAttempt.objects.get(pk=attempt.pk).state == "paid"


def test_an_upgrade_takes_a_promotion_code_and_tax_and_its_refund_returns_what_was_charged(
    client, owner, fakestripe, sold_plans
):
    """A later payment opens its checkout through the same code as the first: codes,
    tax (on the discounted price), and the refund of what was charged."""
    make_code("SPRING", percent_off=20)
    posting = live_posting(owner)
    session_id = start(client, posting)
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert session.allow_promotion_codes and session.automatic_tax.enabled
    fakestripe.apply_promotion_code(session_id, "SPRING")
    status, location = fakestripe.pay(session_id, billing_country="DE")
    client.get(return_path(location))

    attempt = upgrades(posting).get()
    price = FEATURED - STANDARD
    discount = price // 5
    assert (attempt.state, attempt.price, attempt.discount) == ("paid", price, discount)
    assert attempt.tax > 0 and attempt.amount == price - discount + attempt.tax
    assert attempt.promotion_code == "SPRING" and featured(posting)
    record = refund(attempt, by=Actor.system())
    assert (record.state, record.amount) == ("succeeded", attempt.amount)
    assert not featured(posting)


def test_an_upgrade_of_a_business_with_a_valid_vat_number_pays_as_its_customer(
    client, owner, fakestripe, sold_plans
):
    posting = live_posting(owner)
    keep(posting, Business(country="DE", vat_number="DE123456789", vat_status="valid"))
    posting.save(update_fields=["step_data"])
    session = stripe_api().v1.checkout.sessions.retrieve(start(client, posting))
    assert session.customer and not session.customer_email
    tax_ids = stripe_api().v1.customers.tax_ids.list(session.customer).data
    assert [each.value for each in tax_ids] == ["DE123456789"]
