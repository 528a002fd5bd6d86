"""Issue 15's acceptance: a step added the README's way (tests/extension: one class, its
template, its provider client and emulator route, its place in FLOW) is picked up by the
whole flow, the progress bar, the ledger, the guard and the funnel, with no other change."""

import pytest
from django_fsm import can_proceed

from tests.conftest import step_counter, step_url
from tests.extension.switch import company_step_on
from tests.factories import own, posting_at, posting_reaching
from tests.integration.test_dashboard import URL, numbers
from tests.integration.test_payment import pay_and_return
from tests.walk import walk_to
from wizard.flow.edits import create_draft
from wizard.flow.order import FLOW
from wizard.models import JobPosting, Status, TransitionLog

pytestmark = pytest.mark.django_db


def reload(posting):
    return JobPosting.objects.get(pk=posting.pk)


def reached_before(step, posting):
    """The status a draft has on reaching `step`: the one the step before it declares."""
    steps = FLOW.applicable(posting)
    return steps[steps.index(step) - 1].reached_status


def test_it_lies_between_details_and_payment_and_is_on_by_default(company_step):
    names = [step.name for step in FLOW.applicable(JobPosting())]
    assert names.index("details") < names.index("company") < names.index("payment")


def test_the_whole_flow_goes_through_it(client, company_step, fakestripe):
    draft = create_draft()
    own(client, draft)
    draft = walk_to(client, draft, "company")
    assert draft.status == reached_before(company_step, draft)
    # The dispatcher: payment waits for it.
    assert client.get(step_url("payment", draft))["Location"] == step_url("company", draft)

    page = client.get(step_url("company", draft))
    assert page.status_code == 200
    assert step_counter("company", draft).encode() in page.content
    assert b"Company check" in page.content  # the progress bar names it

    refused = client.post(step_url("company", draft), {"number": "HRB-99999"})
    assert refused.status_code == 422
    assert "belongs to Globex" in refused.content.decode()
    response = client.post(step_url("company", draft), {"number": "hrb-12345"})
    after = FLOW.next_after(company_step, reload(draft))
    assert response["Location"] == step_url(after.name, draft)
    draft = walk_to(client, reload(draft), "payment")  # the steps after it, if any
    assert draft.status == Status.READY_TO_PAY
    assert company_step.data(draft)["number"] == "HRB-12345"
    assert "completed_at" in company_step.data(draft)
    targets = list(TransitionLog.objects.filter(posting=draft).values_list("target", flat=True))
    assert targets[:2] == ["logo_ready", "details_ready"] and targets[-1] == "ready_to_pay"

    # Paid, the confirmation's ledger lists it, with its own note.
    assert pay_and_return(client, draft, fakestripe).status_code == 302
    paid = reload(draft)
    assert paid.is_paid
    confirmation = client.get(step_url("confirmation", paid)).content.decode()
    assert "Company checked" in confirmation and "HRB-12345" in confirmation
    # Closed once paid, like every step before payment.
    assert client.get(step_url("company", paid))["Location"] == step_url("confirmation", paid)


def test_the_guard_refuses_payment_until_it_is_complete(client, company_step):
    draft = posting_reaching("company")
    own(client, draft)
    assert not can_proceed(draft.open_checkout)
    draft = walk_to(client, draft, "payment")
    assert can_proceed(draft.open_checkout)


def test_changing_the_company_undoes_it(client, company_step):
    draft = posting_at(Status.READY_TO_PAY)
    own(client, draft)
    assert company_step.is_complete(draft)
    details = {**FLOW["details"].example_answers, "company_name": "Globex"}
    response = client.post(step_url("details", draft), details)
    assert response["Location"] == step_url("company", draft)
    assert reload(draft).status == reached_before(company_step, draft)


def test_switched_on_drafts_made_before_it_land_on_it_and_paid_ones_stay(client, extra_step):
    if extra_step is not None:
        pytest.skip("needs the step off at first; JOBWIZARD_TEST_EXTRA_STEP switched it on")
    draft = posting_at(Status.READY_TO_PAY)
    paid = posting_at(Status.PAID, paid_at="2026-01-01T00:00:00Z")
    own(client, draft, paid)
    with company_step_on() as step:
        assert not can_proceed(reload(draft).open_checkout)
        assert client.get(step_url("payment", draft))["Location"] == step_url("company", draft)
        assert reload(draft).status == reached_before(step, draft)
        assert client.get(step_url("confirmation", paid)).status_code == 200
        assert reload(paid).status == Status.PAID


def test_the_funnel_gets_a_stage_for_it(admin_client, company_step):
    posting_at("details_ready")
    posting_at(Status.READY_TO_PAY)
    posting_at(Status.PAID)
    funnel = numbers(admin_client.get(URL), "funnel")
    labels = list(funnel)
    assert labels.index("Details saved") < labels.index("Company checked") < labels.index("Paid")
    assert funnel["Details saved"][0] == "3"
    assert funnel["Company checked"][0] == "2"
