"""The optional SMS step in Chromium, switched on by its setting: a number, a wrong code,
the right code, then payment; at desktop and phone sizes, with screenshots."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import CARD_OK, pay
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = "+14155550123"


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_phone_step_sits_between_details_and_payment(
    browser, app, task_worker, fakeproviders, settings, width, height
):
    settings.PHONE_VERIFICATION_ENABLED = True
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(app.url + "/post/")
    page.get_by_role("button", name="Start my posting").click()
    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    page.get_by_role("button", name="Continue without a logo").click()
    page.get_by_label("Company name").fill("Acme Corp")
    page.get_by_label("Job title").fill("Senior Django Engineer")
    page.get_by_label("Employment type").select_option("full_time")
    page.get_by_label("On-site").check()
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Description").fill("Build reliable things with Django.")
    page.get_by_label("Apply by URL").fill("https://acme.example/jobs/42")
    page.get_by_label("Your email (for the receipt)").fill("hiring@acme.example")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Step 3 of 5")).to_be_visible()
    page.get_by_label("Mobile phone number").fill("0415 555")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_text("Enter the number in international format")).to_be_visible()
    page.get_by_label("Mobile phone number").fill(NUMBER)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_text(f"We sent a code by SMS to {NUMBER}").first).to_be_visible()

    page.get_by_label("Code from the SMS").fill("000000")
    page.get_by_role("button", name="Check code").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.screenshot(
        path=screenshot_path(f"phone-step-wrong-code-{width}"), full_page=True, caret="initial"
    )

    page.get_by_label("Code from the SMS").fill(fakeproviders.sms_code(NUMBER))
    page.get_by_role("button", name="Check code").click()
    expect(page.get_by_text("Step 4 of 5")).to_be_visible()
    expect(page.get_by_text("Phone number verified.")).to_be_visible()
    assert JobPosting.objects.get().status == Status.READY_TO_PAY

    page.get_by_role("button", name="Pay USD 99.00").click()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Thank you! Your posting is in review")).to_be_visible(
        timeout=15_000
    )
    ledger = page.get_by_role("list", name="What has happened")
    expect(ledger).to_contain_text(re.compile(rf"Phone verified.*{re.escape(NUMBER)}", re.S))
    page.screenshot(
        path=screenshot_path(f"phone-step-confirmation-{width}"), full_page=True, caret="initial"
    )
    page.close()
