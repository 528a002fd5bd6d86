"""The funnel counts a step by the step's own completion time, so a step added to the flow
later counts no posting that never saw it."""

import pytest
from django.utils import timezone

from tests.factories import posting_at, posting_through
from tests.integration.test_dashboard import PAID, TO_PAY, URL, numbers
from wizard.flow.order import FLOW
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db


def counts(admin_client):
    return {label: cells[0] for label, cells in numbers(admin_client.get(URL), "funnel").items()}


def test_a_step_switched_on_later_counts_no_posting_past_it_that_never_saw_it(
    admin_client, settings
):
    settings.PHONE_VERIFICATION_ENABLED = False
    posting_through(*PAID, created_at=timezone.now())
    posting_through(*TO_PAY, created_at=timezone.now())

    settings.PHONE_VERIFICATION_ENABLED = True
    found = counts(admin_client)
    assert found["Details saved"] == "2"
    assert found["Phone verified"] == "0"
    assert found["Paid"] == "1"

    # A draft that completes it now is counted.
    posting_at(Status.READY_TO_PAY)
    assert counts(admin_client)["Phone verified"] == "1"


def test_a_step_is_counted_by_the_completion_time_the_flow_records(admin_client):
    posting = posting_at(Status.DRAFT)
    assert counts(admin_client)["Logo"] == "0"
    FLOW["logo"].fill_in(posting)  # completed, but the flow has not seen it yet
    JobPosting.objects.filter(pk=posting.pk).update(step_data=posting.step_data)
    assert counts(admin_client)["Logo"] == "0"
    FLOW["logo"].set_data(posting, completed_at=timezone.now().isoformat())
    JobPosting.objects.filter(pk=posting.pk).update(step_data=posting.step_data)
    assert counts(admin_client)["Logo"] == "1"
