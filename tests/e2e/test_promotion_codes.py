"""An employer pays with a promotion code on the (fake) hosted Checkout page: a partial
code lowers the total and the ledger says what was paid; a 100 % code needs no card and
the posting is in review all the same. An unknown code is refused on the page."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import stripe_api
from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import CARD_OK, fill_details, pay, start_posting
from tests.e2e.walk import complete_steps
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db(transaction=True)


def make_code(code, percent_off):
    api = stripe_api()
    coupon = api.v1.coupons.create(params={"percent_off": percent_off})
    api.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": coupon.id}, "code": code}
    )


def to_checkout(page, app):
    start_posting(page, app)
    complete_steps(page, "details")
    fill_details(page)
    page.get_by_role("button", name="Pay USD 99.00").click()
    expect(page).to_have_url(re.compile(r"/checkout/cs_"))


def enter_code(page, code):
    page.get_by_label("Add promotion code").fill(code)
    page.get_by_role("button", name="Apply").click()


def test_pay_with_a_partial_code(page, app, task_worker):
    make_code("SPRING", 20)
    to_checkout(page, app)
    enter_code(page, "NOPE")
    expect(page.get_by_role("alert")).to_contain_text("This code is not valid")
    page.screenshot(path=screenshot_path("promotion-codes/unknown-code"), full_page=True)

    enter_code(page, "SPRING")
    expect(page.locator(".amount-discount")).to_have_text("−USD 19.80")
    expect(page.locator(".amount-total")).to_have_text("USD 79.20")
    page.screenshot(path=screenshot_path("promotion-codes/partial-code-applied"), full_page=True)
    pay(page, CARD_OK)

    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    expect(
        page.get_by_text("Paid USD 79.20 (USD 99.00 less USD 19.80 with code SPRING)")
    ).to_be_visible()
    page.screenshot(path=screenshot_path("promotion-codes/partial-code-ledger"), full_page=True)
    attempt = JobPosting.objects.get().current_attempt
    assert (attempt.amount, attempt.discount, attempt.promotion_code) == (7920, 1980, "SPRING")


def test_pay_with_a_100_percent_code(page, app, task_worker):
    make_code("FREE", 100)
    to_checkout(page, app)
    enter_code(page, "free")
    expect(page.locator(".amount-total")).to_have_text("USD 0.00")
    expect(page.get_by_label("Card number")).to_have_count(0)
    page.screenshot(path=screenshot_path("promotion-codes/free-code-applied"), full_page=True)
    page.get_by_role("button", name="Complete order").click()

    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    expect(
        page.get_by_text("Paid USD 0.00 (USD 99.00 less USD 99.00 with code FREE)")
    ).to_be_visible()
    page.screenshot(path=screenshot_path("promotion-codes/free-code-ledger"), full_page=True)
    posting = JobPosting.objects.get()
    assert posting.status == Status.IN_REVIEW
    attempt = posting.current_attempt
    assert attempt.is_free and attempt.payment_intent_id == "" and attempt.promotion_code == "FREE"
