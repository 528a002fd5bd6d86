"""Issue 15's acceptance, in the browser: with the company step of tests/extension switched
on, the one e2e walk goes through it, and its own page works like any other step's."""

import pytest
from playwright.sync_api import expect

from tests.e2e.walk import complete_steps, expect_step
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_walk_fills_it_in_and_its_errors_show(company_step, page, app):
    page.goto(app.url + "/post/")
    page.get_by_role("button", name="Start my posting").click()
    complete_steps(page, "company")
    page.get_by_label("Company registry number").fill("HRB-99999")
    page.get_by_role("button", name="Check and continue").click()
    expect(
        page.locator(".errorlist").get_by_text("This number belongs to Globex, not Acme Corp.")
    ).to_be_visible()
    complete_steps(page, "payment")
    assert company_step.data(JobPosting.objects.get())["number"] == "HRB-12345"
    expect_step(page, "payment")
