"""The optional SMS step in Chromium, switched on by its setting: a national number with
its country, a wrong code (the code form alone), the right code, then payment; the live
countdown before a new code, and the page without JavaScript; at desktop and phone sizes,
with screenshots."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import CARD_OK, pay
from tests.e2e.walk import complete_steps, expect_step, shown
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = "+491711234567"
SHOWN = "+49 171 1234567"


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

    # The posting's country (Germany, from its details) is chosen: a number as dialled there.
    expect(page.get_by_label("Country")).to_have_value("DE")
    page.screenshot(path=screenshot_path(f"phone-step-{width}"), full_page=True, caret="initial")
    page.get_by_label("Mobile phone number").fill("0171 12")
    page.get_by_role("button", name="Send code").click()
    expect(
        page.locator(".errorlist").get_by_text("Enter a mobile phone number, like 01512 3456789")
    ).to_be_visible()
    page.get_by_label("Mobile phone number").fill("0171 1234567")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_text(f"We sent a code by SMS to {SHOWN}").first).to_be_visible()

    page.get_by_label("Code from the SMS").fill("000000")
    page.get_by_role("button", name="Check code").click()
    expect(page.locator(".errorlist").get_by_text("That code is not right")).to_be_visible()
    # One form at a time: the code's, and a quiet way to use another number.
    expect(page.locator("#step-panel form")).to_have_count(1)
    expect(page.get_by_label("Mobile phone number")).to_have_count(0)
    expect(page.get_by_role("link", name="Use another number")).to_be_visible()
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
    expect(ledger).to_contain_text(re.compile(rf"Phone verified.*{re.escape(SHOWN)}", re.S))
    page.screenshot(
        path=screenshot_path(f"phone-step-confirmation-{width}"), full_page=True, caret="initial"
    )
    page.close()


def reach_the_phone_step(page, app):
    page.goto(app.url + "/post/")
    page.get_by_role("button", name="Start my posting").click()
    complete_steps(page, "phone")


def test_a_new_code_is_counted_down_then_offered(browser, app, fakeproviders, settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    settings.PHONE_CODE_RESEND_SECONDS = 3
    page = browser.new_page()
    reach_the_phone_step(page, app)
    page.get_by_label("Mobile phone number").fill("0171 1234567")
    page.get_by_role("button", name="Send code").click()

    resend = page.locator('button[name="resend"]')
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(re.compile(r"Send a new code in [1-3] seconds?"))
    page.screenshot(path=screenshot_path("phone-step-countdown"), caret="initial")
    expect(resend).to_be_enabled(timeout=5_000)
    expect(resend).to_have_text("Send a new code")
    resend.click()
    # Counting down again, once the new panel is in.
    expect(resend).to_have_text(re.compile(r"Send a new code in [1-3] seconds?"))
    expect(resend).to_be_disabled()
    assert len(fakeproviders.sms(NUMBER)) == 2
    page.close()


def test_without_javascript_the_button_says_when_and_the_server_refuses_early(
    browser, app, fakeproviders, settings
):
    settings.PHONE_VERIFICATION_ENABLED = True
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    reach_the_phone_step(page, app)
    # The bot check needs JavaScript: the first code is sent as if it had passed.
    posting, _ = shown(page)
    posting.step_data["phone"] = {
        "number": NUMBER,
        "numbers": [NUMBER],
        "sends": 1,
        "sent_at": timezone.now().isoformat(),
        "human": True,
    }
    posting.save(update_fields=["step_data"])
    page.reload()

    resend = page.get_by_role("button", name="Send a new code")
    expect(resend).to_be_enabled()
    expect(resend).to_have_text(re.compile(r"Send a new code in (60|59) seconds"))
    page.screenshot(path=screenshot_path("phone-step-no-js"), full_page=True, caret="initial")
    resend.click()
    expect(page.get_by_text("You can ask for a new one in")).to_be_visible()
    assert fakeproviders.sms(NUMBER) == []

    page.get_by_role("link", name="Use another number").click()
    expect(page.get_by_label("Mobile phone number")).to_be_visible()
    expect(page.get_by_label("Code from the SMS")).to_have_count(0)
    page.get_by_role("link", name=f"Enter the code we sent to {SHOWN} instead").click()
    expect(page.get_by_label("Code from the SMS")).to_be_visible()
    context.close()
