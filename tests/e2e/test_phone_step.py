"""The optional SMS step in Chromium, switched on by its setting: a number, a wrong code,
the right code, then payment; at desktop and phone sizes, with screenshots."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import CARD_OK, pay
from tests.e2e.walk import complete_steps, expect_step
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
    expect_step(page, "logo")
    complete_steps(page, "phone", details={"workplace": "on_site"})

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
    expect(page.get_by_text("Phone number verified.")).to_be_visible()
    complete_steps(page, "payment", after="phone")
    assert JobPosting.objects.get().status == Status.READY_TO_PAY

    page.get_by_role("button", name="Pay USD 99.00").click()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    ledger = page.get_by_role("list", name="What has happened")
    expect(ledger).to_contain_text(re.compile(rf"Phone verified.*{re.escape(NUMBER)}", re.S))
    page.screenshot(
        path=screenshot_path(f"phone-step-confirmation-{width}"), full_page=True, caret="initial"
    )
    page.close()
