"""The VAT number step in Chromium, against fakeproviders' VIES over HTTP: a valid number
shows the registered name and address and goes on; an unregistered one is refused; with
the registry down the employer goes on to payment. Screenshots of each."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.walk import complete_steps, expect_step
from wizard.jobs.models import Job
from wizard.models import JobPosting
from wizard.postings.business import VatStatus, business_of

pytestmark = pytest.mark.django_db(transaction=True)


def start(browser, app):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app.url + "/post/")
    page.get_by_role("button", name="Start my posting").click()
    expect_step(page, "logo")
    complete_steps(page, "business")
    return page


def give(page, number):
    page.get_by_label("Yes").check()
    page.get_by_label("VAT number").fill(number)
    page.get_by_role("button", name="Continue").click()


def test_a_valid_number_shows_the_registered_business_and_goes_on(browser, app, fakeproviders):
    page = start(browser, app)
    expect(page.get_by_text("Does your business have a VAT number?")).to_be_visible()
    page.screenshot(path=screenshot_path("vat-number-question"), full_page=True, caret="initial")

    give(page, "DE 136 695 976")
    expect(page.get_by_role("heading", name="Is this your business?")).to_be_visible()
    expect(page.get_by_text("Beispiel GmbH")).to_be_visible()
    expect(page.get_by_text("Musterstraße 1")).to_be_visible()
    page.screenshot(path=screenshot_path("vat-number-confirm"), full_page=True, caret="initial")
    page.get_by_role("button", name="Yes, continue").click()
    complete_steps(page, "payment", after="business")  # and any step a board adds after it
    expect(page.get_by_text("DE136695976, Beispiel GmbH")).to_be_visible()


def test_an_unregistered_number_is_refused(browser, app, fakeproviders):
    page = start(browser, app)
    give(page, "DE111111125")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(
        "VIES says DE111111125 is not a registered VAT number. Check the number, or choose No."
    )
    page.screenshot(path=screenshot_path("vat-number-invalid"), full_page=True, caret="initial")
    expect_step(page, "business")
    assert business_of(JobPosting.objects.get()).vat_number == ""


def test_with_the_registry_down_the_employer_goes_on_to_pay(browser, app, fakeproviders):
    page = start(browser, app)
    fakeproviders.vies_unavailable("DE")
    give(page, "DE136695976")
    expect(page.get_by_text("VIES could not be reached just now")).to_be_visible()
    complete_steps(page, "payment", after="business")  # and any step a board adds after it
    page.screenshot(path=screenshot_path("vat-number-unavailable"), full_page=True, caret="initial")
    posting = JobPosting.objects.get()
    assert business_of(posting).vat_status == VatStatus.UNCHECKED
    assert Job.objects.filter(posting=posting, kind="vat_recheck").exists()
