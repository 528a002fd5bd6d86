"""Pay pays for what was reviewed, whatever the interleaving of Pay and an edit: an edit
saved while Stripe creates the session closes the reservation and is kept, the session is
expired instead of opened, and a payment for other content is refunded, never fulfilled."""

from unittest import mock

import pytest

from tests.conftest import VALID_DETAILS, step_url, stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_form, press_pay, return_path, session_id_from
from tests.plans import make_plan, standard_and_featured
from wizard.flow import edits
from wizard.flow.order import FLOW
from wizard.models import JobPosting, PaymentAttempt, Refund, Status, TransitionLog
from wizard.payments import checkout
from wizard.payments.exceptions import ContentChanged
from wizard.payments.fulfilment import FulfilOutcome, fulfil
from wizard.postings.business import Business, keep
from wizard.postings.models import Actor

pytestmark = pytest.mark.django_db

create_session = checkout._create_session


@pytest.fixture
def posting(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY, title="Old title", contact_email="a@acme.example")
    own(client, posting)
    return posting


def while_stripe_creates(meanwhile):
    """Patch the create request so that `meanwhile()` runs after Stripe created the
    session and before the press records it: the widest window there is."""
    created = []

    def create(attempt, success_url, cancel_url):
        session = create_session(attempt, success_url, cancel_url)
        created.append(session.id)
        meanwhile()
        return session

    return mock.patch.object(checkout, "_create_session", side_effect=create), created


def session_status(session_id):
    return stripe_api().v1.checkout.sessions.retrieve(session_id).status


def assert_nothing_open_and_the_edit_kept(created, title="New title"):
    (session_id,) = created
    assert session_status(session_id) == "expired"  # never handed out, and now unpayable
    fresh = JobPosting.objects.get()
    assert (fresh.status, fresh.title) == (Status.READY_TO_PAY, title)
    attempt = fresh.current_attempt
    assert (attempt.number, attempt.state, attempt.session_id) == (1, "closed", "")
    assert attempt.note == checkout.EDITED_BEFORE_OPENING
    assert not TransitionLog.objects.filter(target=Status.AWAITING_PAYMENT).exists()


def test_a_details_edit_saved_while_stripe_creates_the_session_is_kept_and_pay_opens_nothing(
    client, posting
):
    """Tab B saves the details while tab A's Pay is at Stripe: the edit answers 302 and
    is saved; Pay opens no checkout for the old title."""
    reviewed = posting.content_digest
    edit_answers = []

    def save_edit_in_tab_b():
        response = client.post(
            step_url("details", posting), {**VALID_DETAILS, "title": "New title"}
        )
        edit_answers.append(response.status_code)

    patch, created = while_stripe_creates(save_edit_in_tab_b)
    with patch, pytest.raises(ContentChanged):
        checkout.start_checkout(
            posting.pk, success_url="http://x/ok", cancel_url="http://x/no", reviewed=reviewed
        )
    assert edit_answers == [302]
    assert_nothing_open_and_the_edit_kept(created)


def test_pay_pressed_while_an_edit_lands_shows_the_current_content_to_review_again(client, posting):
    def edit_in_tab_b():
        def change(locked):
            locked.title = "New title"
            locked.contact_email = "b@acme.example"

        edits.edit(FLOW, posting.pk, change, why="Details saved")

    patch, created = while_stripe_creates(edit_in_tab_b)
    with patch:
        response = client.post(step_url("payment", posting), pay_form(posting))
    assert response.status_code == 409
    assert b"changed since you reviewed it" in response.content
    assert b"b@acme.example" in response.content  # the current content, to review again
    assert_nothing_open_and_the_edit_kept(created)
    # Paying now pays for the new content, with a new attempt.
    session = stripe_api().v1.checkout.sessions.retrieve(
        session_id_from(press_pay(client, posting))
    )
    attempt = JobPosting.objects.get().current_attempt
    assert (session.metadata["attempt"], attempt.state) == ("2", "open")
    assert attempt.reviewed == JobPosting.objects.get().content_digest


def test_a_change_not_made_by_an_edit_is_still_caught_when_the_session_is_recorded(posting):
    """Whoever changed the content (here a bare update), the fingerprint is compared
    under the lock before the checkout opens."""
    reviewed = posting.content_digest

    def change_behind_the_edits_back():
        JobPosting.objects.filter(pk=posting.pk).update(title="New title")

    patch, created = while_stripe_creates(change_behind_the_edits_back)
    with patch, pytest.raises(ContentChanged):
        checkout.start_checkout(
            posting.pk, success_url="http://x/ok", cancel_url="http://x/no", reviewed=reviewed
        )
    assert_nothing_open_and_the_edit_kept(created)


def test_an_edit_that_changes_nothing_reviewed_leaves_the_reservation_alone(client, posting):
    reviewed = posting.content_digest

    def same_content():
        edits.edit(FLOW, posting.pk, lambda locked: None, why="Details saved")

    patch, created = while_stripe_creates(same_content)
    with patch:
        url = checkout.start_checkout(
            posting.pk, success_url="http://x/ok", cancel_url="http://x/no", reviewed=reviewed
        )
    assert session_id_from(url) == created[0] and session_status(created[0]) == "open"
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT


def test_a_reservation_for_other_content_is_not_reused(client, posting, fakestripe, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the create request is lost
    client.post(step_url("payment", posting), pay_form(posting))
    assert PaymentAttempt.objects.get().state == "reserved"
    JobPosting.objects.filter(pk=posting.pk).update(title="New title")
    settings.STRIPE_API_BASE = fakestripe.url

    session_id = session_id_from(press_pay(client, posting))

    one, two = PaymentAttempt.objects.order_by("number")
    assert (one.state, two.state, two.session_id) == ("closed", "open", session_id)
    assert two.reviewed == JobPosting.objects.get().content_digest != one.reviewed


def test_a_payment_for_content_the_posting_no_longer_has_is_refunded_not_fulfilled(
    client, posting, fakestripe
):
    session_id = session_id_from(press_pay(client, posting))
    # The content changed under an open checkout without the edit path (which would
    # have expired it first): the payment is not for what the posting now shows.
    JobPosting.objects.filter(pk=posting.pk).update(title="New title")
    status, location = fakestripe.pay(session_id)

    response = client.get(return_path(location))

    assert response["Location"].endswith("/payment/")
    fresh = JobPosting.objects.get()
    assert fresh.status == Status.AWAITING_PAYMENT and not fresh.is_paid
    assert "changed while you were paying" in fresh.last_error_message
    assert "refunding it in full" in fresh.last_error_message
    assert "reviewed content" in fresh.last_error_detail
    record = Refund.objects.get()
    assert (record.reason, record.state, record.checkout_session_id) == (
        "mismatch",
        "succeeded",
        session_id,
    )
    assert not TransitionLog.objects.filter(target=Status.PAID).exists()
    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.CONTENT_CHANGED
    assert Refund.objects.count() == 1  # decided again, refunded once


# --- The plan chosen is part of what is paid for -------------------------------------------


@pytest.fixture
def planned(client, fakestripe):
    """A posting ready to pay for the Standard plan in EUR, with Featured also sold."""
    standard, featured = standard_and_featured()
    posting = posting_at(Status.READY_TO_PAY, title="Old title", contact_email="a@acme.example")
    JobPosting.objects.filter(pk=posting.pk).update(plan=standard, currency="eur")
    own(client, posting)
    return JobPosting.objects.get(pk=posting.pk), featured


def test_two_plans_at_the_same_price_have_different_fingerprints(planned):
    posting, _ = planned
    same_price = make_plan("Same price, longer", {"eur": 9900}, days=90)
    before = posting.content_digest
    posting.plan = same_price
    assert posting.price == (9900, "eur")
    assert posting.content_digest != before


def test_another_plan_chosen_while_stripe_creates_the_session_opens_nothing(planned):
    """Pay reserves the attempt at the Standard price; while the attempt holds that price,
    tab B chooses Featured: the reservation is closed and no checkout opens for Standard."""
    posting, featured = planned
    reviewed = posting.content_digest

    def choose_featured_in_tab_b():
        def change(locked):
            locked.plan_id, locked.currency = featured.pk, "eur"

        edits.edit(FLOW, posting.pk, change, why="Plan chosen")

    patch, created = while_stripe_creates(choose_featured_in_tab_b)
    with patch, pytest.raises(ContentChanged):
        checkout.start_checkout(
            posting.pk, success_url="http://x/ok", cancel_url="http://x/no", reviewed=reviewed
        )
    assert_nothing_open_and_the_edit_kept(created, title="Old title")
    assert JobPosting.objects.get().plan == featured


def test_a_payment_for_a_plan_no_longer_chosen_is_refunded_not_fulfilled(
    client, planned, fakestripe
):
    posting, featured = planned
    session_id = session_id_from(press_pay(client, posting))
    JobPosting.objects.filter(pk=posting.pk).update(plan=featured)  # not by the edit path
    fakestripe.pay(session_id)

    assert fulfil(session_id, by=Actor.system()) is FulfilOutcome.CONTENT_CHANGED
    fresh = JobPosting.objects.get()
    assert not fresh.is_paid and not fresh.featured
    assert Refund.objects.get().checkout_session_id == session_id


# --- The business's VAT number is part of what is paid for ---------------------------------


def test_the_vat_number_given_changes_the_fingerprint_and_the_registry_answer_does_not(posting):
    before = posting.content_digest
    keep(posting, Business(country="DE", vat_number="DE123456789", vat_status="unchecked"))
    given = posting.content_digest
    assert given != before
    keep(posting, Business(country="DE", vat_number="DE123456789", vat_status="valid"))
    assert posting.content_digest == given  # the re-check job answering while one pays
    keep(posting, Business(country="DE", vat_number="DE999999999"))
    assert posting.content_digest != given


def test_another_vat_number_given_while_stripe_creates_the_session_opens_nothing(posting):
    """The customer and its tax ID were made for the number reviewed: a number changed in
    tab B while Pay is at Stripe closes the reservation."""
    reviewed = posting.content_digest

    def give_a_vat_number_in_tab_b():
        def change(locked):
            keep(locked, Business(country="DE", vat_number="DE123456789", vat_status="valid"))

        edits.edit(FLOW, posting.pk, change, why="Business saved")

    patch, created = while_stripe_creates(give_a_vat_number_in_tab_b)
    with patch, pytest.raises(ContentChanged):
        checkout.start_checkout(
            posting.pk, success_url="http://x/ok", cancel_url="http://x/no", reviewed=reviewed
        )
    assert_nothing_open_and_the_edit_kept(created, title="Old title")
