"""Staff review a posting in the admin, in Chromium, and it appears on the public board."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.factories import posting_at
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_approve_a_posting_and_see_it_on_the_board(page, app):
    User.objects.create_superuser("reviewer", "reviewer@jobwizard.test", "correct horse battery")
    posting = posting_at(Status.IN_REVIEW, title="Principal Django Engineer")

    page.goto(f"{app.url}/admin/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{app.url}/admin/wizard/jobposting/?status__exact=in_review")
    page.get_by_role("link", name=re.compile("Principal Django Engineer")).first.click()
    expect(page.get_by_role("link", name="Reject and refund")).to_be_visible()
    page.get_by_role("link", name="Approve and publish").click()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Approved 1 posting.")).to_be_visible()
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PUBLISHED

    page.get_by_role("link", name="View on the board").click()
    expect(page.get_by_role("heading", name="Principal Django Engineer")).to_be_visible()
    page.goto(f"{app.url}/")
    expect(page.get_by_role("link", name=re.compile("Principal Django Engineer"))).to_be_visible()
