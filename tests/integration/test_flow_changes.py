"""Switching a step on or off with drafts, paid and published postings present: the flow,
not the stored status, says how far each has got (no data migration needed)."""

import pytest
from django.urls import reverse
from django_fsm import can_proceed

from tests.conftest import step_url
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_form
from wizard.flow.edits import PROJECTED
from wizard.flow.order import FLOW
from wizard.models import JobPosting, PaymentAttempt, Status, TransitionLog
from wizard.payments.checkout import start_checkout
from wizard.payments.exceptions import NotReadyForPayment

pytestmark = pytest.mark.django_db

# The phone step is the flow's switchable step: PHONE_VERIFICATION_ENABLED.
PHONE = FLOW["phone"]


def reload(posting):
    return JobPosting.objects.get(pk=posting.pk)


@pytest.fixture
def phone_off(settings):
    settings.PHONE_VERIFICATION_ENABLED = False
    return settings


@pytest.fixture
def owned(client, phone_off):
    """Made while the phone step is off: a ready draft, a paid and a published posting."""
    postings = {
        "draft": posting_at(Status.READY_TO_PAY),
        "paid": posting_at(Status.PAID, paid_at="2026-01-01T00:00:00Z"),
        "published": posting_at(Status.PUBLISHED, paid_at="2026-01-01T00:00:00Z"),
    }
    own(client, *postings.values())
    return postings


def test_switched_on_the_guard_refuses_a_draft_whose_new_step_is_incomplete(owned, settings):
    draft = owned["draft"]
    assert can_proceed(draft.open_checkout)
    settings.PHONE_VERIFICATION_ENABLED = True
    # The stored status still says "ready to pay": the guard asks the flow instead.
    assert reload(draft).status == Status.READY_TO_PAY
    assert not can_proceed(reload(draft).open_checkout)
    with pytest.raises(NotReadyForPayment):
        start_checkout(
            draft.pk, success_url="http://x/", cancel_url="http://x/", reviewed=draft.content_digest
        )
    assert not PaymentAttempt.objects.exists()


def test_switched_on_a_press_of_pay_lands_on_the_new_step_and_opens_nothing(
    client, owned, settings
):
    draft = owned["draft"]
    settings.PHONE_VERIFICATION_ENABLED = True
    response = client.post(step_url("payment", draft), pay_form(draft))
    assert response.status_code == 302
    assert response["Location"] == step_url("phone", draft)
    assert not PaymentAttempt.objects.exists()


def test_switched_on_the_next_touch_puts_a_draft_on_its_true_first_incomplete_step(
    client, owned, settings
):
    draft = owned["draft"]
    settings.PHONE_VERIFICATION_ENABLED = True
    for name in ("payment", "confirmation"):
        response = client.get(step_url(name, draft))
        assert response.status_code == 302
        assert response["Location"] == step_url("phone", draft)
    assert client.get(step_url("phone", draft)).status_code == 200
    # Its stale "ready to pay" dropped back, logged as any status change is.
    assert reload(draft).status == "details_ready"
    log = TransitionLog.objects.get(posting=draft)
    assert (log.source, log.target, log.reason) == ("ready_to_pay", "details_ready", PROJECTED)
    # Touched again: nothing more to put right.
    client.get(step_url("phone", draft))
    assert TransitionLog.objects.filter(posting=draft).count() == 1


@pytest.mark.parametrize("name", ["paid", "published"])
def test_switched_on_a_paid_posting_is_never_sent_back(client, owned, settings, name):
    posting = owned[name]
    settings.PHONE_VERIFICATION_ENABLED = True
    assert client.get(step_url("confirmation", posting)).status_code == 200
    assert client.get(reverse("wizard:status", args=[posting.pk])).status_code == 200
    # The new step before payment is closed to it, like every other.
    response = client.get(step_url("phone", posting))
    assert response.status_code == 302
    assert response["Location"] == step_url("confirmation", posting)
    assert FLOW.first_incomplete(reload(posting)) in (None, FLOW["confirmation"])
    # Nor does its ledger list the new step as owed.
    page = client.get(step_url("confirmation", posting)).content.decode()
    assert FLOW["details"].ledger_label in page
    assert PHONE.ledger_label not in page
    assert reload(posting).status == owned[name].status
    assert not TransitionLog.objects.filter(posting=posting).exists()


def test_switched_off_a_draft_waiting_on_the_step_goes_on_to_payment(client, settings):
    settings.PHONE_VERIFICATION_ENABLED = False
    draft = posting_at(Status.READY_TO_PAY)  # every other step complete
    own(client, draft)
    settings.PHONE_VERIFICATION_ENABLED = True
    assert client.get(step_url("payment", draft))["Location"] == step_url("phone", draft)
    assert not can_proceed(draft.open_checkout)

    settings.PHONE_VERIFICATION_ENABLED = False
    assert client.get(step_url("phone", draft)).status_code == 404
    assert client.get(step_url("payment", draft)).status_code == 200
    draft = reload(draft)
    assert draft.status == Status.READY_TO_PAY
    assert can_proceed(draft.open_checkout)


def test_switched_off_paid_postings_that_went_through_it_are_left_alone(client, settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    paid = posting_at(Status.PAID)
    own(client, paid)
    assert PHONE.is_complete(paid)
    settings.PHONE_VERIFICATION_ENABLED = False
    assert client.get(step_url("confirmation", paid)).status_code == 200
    assert reload(paid).status == Status.PAID
    assert not TransitionLog.objects.filter(posting=paid).exists()
