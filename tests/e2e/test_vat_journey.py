"""The VAT journey end to end in Chromium, against fakeproviders' VIES and fakestripe over
HTTP: a German business with a valid number confirms its registered name and address, pays
at Stripe with a German billing address and is reverse-charged (the hosted page, the
attempt, the confirmation, the account's payments and Stripe's invoice with its tax ID);
with VIES down the employer pays all the same, and the re-check, run once VIES is back,
confirms the number, or finds it invalid: staff are alerted and, with
VAT_HOLD_PUBLICATION, approval is refused in the admin until the hold is released.

An invalid number refused on the step is tests/e2e/test_vat_number.py's (not repeated)."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts import employer
from tests.conftest import stripe_api
from tests.e2e.accounts import signed_in
from tests.e2e.conftest import screenshot_path
from tests.e2e.test_every_page import SIZES, Visitor
from tests.e2e.test_posting_a_job import CARD_OK, pay
from tests.e2e.test_staff_review import log_in
from tests.e2e.walk import complete_steps
from wizard.jobs.models import Job
from wizard.jobs.runner import run_now
from wizard.models import JobPosting, StaffNotice, Status
from wizard.postings.business import VatStatus, business_of

pytestmark = pytest.mark.django_db(transaction=True)

VALID_DE = "DE136695976"  # fakeproviders' VIES: Beispiel GmbH, Musterstraße 1
UNREGISTERED_DE = "DE111111125"  # a well-formed number VIES does not know


def to_the_business_step(visitor):
    visitor.goto("/post/")
    visitor.page.get_by_role("button", name="Start my posting").click()
    complete_steps(visitor.page, "business")


def give(page, number):
    page.get_by_label("Yes").check()
    page.get_by_label("VAT number").fill(number)
    page.get_by_role("button", name="Continue").click()


def pay_from_germany(page, name):
    """Press Pay on the payment step, and pay at Stripe with a German billing address."""
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/checkout/cs_"))
    page.get_by_label("Billing country", exact=True).select_option("DE")
    page.screenshot(path=screenshot_path(name), full_page=True, caret="initial")
    pay(page, CARD_OK)
    # Paid (no worker runs here to send the receipt, which would say "in review").
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible(timeout=15_000)
    return JobPosting.objects.get()


@pytest.mark.parametrize("size", list(SIZES))
def test_an_eu_business_with_a_valid_number_is_reverse_charged(
    browser, app, fakeproviders, task_worker, size
):
    owner = employer("buchhaltung@beispiel.example")
    context = signed_in(browser.new_context(viewport=SIZES[size]), app.url, owner)
    visitor = Visitor(context, size, app.url)
    page = visitor.page
    to_the_business_step(visitor)
    visitor.check("vat-journey-question")

    give(page, "DE 136 695 976")
    expect(page.get_by_role("heading", name="Is this your business?")).to_be_visible()
    expect(page.get_by_text("Beispiel GmbH")).to_be_visible()
    expect(page.get_by_text("Musterstraße 1")).to_be_visible()
    visitor.check("vat-journey-confirm")
    page.get_by_role("button", name="Yes, continue").click()
    complete_steps(page, "payment", after="business")  # and any step a board adds after it
    expect(page.get_by_text(f"{VALID_DE}, Beispiel GmbH")).to_be_visible()
    expect(page.get_by_test_id("price-note")).to_contain_text("not charged VAT (reverse charge)")
    visitor.check("vat-journey-payment")

    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/checkout/cs_"))
    page.get_by_label("Billing country", exact=True).select_option("DE")  # not IE, the origin
    expect(page.get_by_text("Reverse charge")).to_be_visible()
    page.screenshot(
        path=screenshot_path(f"vat-journey-hosted-page-{size}"), full_page=True, caret="initial"
    )
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("VAT: reverse charge")).to_be_visible()
    visitor.check("vat-journey-confirmation")

    attempt = JobPosting.objects.get().current_attempt
    assert (attempt.tax, attempt.tax_note) == (0, "reverse_charge")
    assert attempt.amount == attempt.price and attempt.customer_id
    tax_ids = stripe_api().v1.customers.tax_ids.list(attempt.customer_id).data
    assert [(t.type, t.value) for t in tax_ids] == [("eu_vat", VALID_DE)]

    page.get_by_role("link", name="Download your invoice or receipt").click()
    invoice = page.locator("main")
    expect(invoice).to_contain_text(VALID_DE)  # the customer's tax ID, on Stripe's invoice
    expect(invoice).to_contain_text("Reverse charge: the customer accounts for the VAT")
    page.screenshot(path=screenshot_path(f"vat-journey-invoice-{size}"), caret="initial")

    visitor.goto("/account/payments/")
    expect(page.locator("main")).to_contain_text("VAT: reverse charge")
    visitor.check("vat-journey-account-payments")
    visitor.assert_no_problems()
    context.close()


def test_with_vies_down_the_employer_pays_and_the_recheck_confirms_the_number_later(
    browser, app, fakeproviders
):
    context = browser.new_context(viewport=SIZES["phone"])
    visitor = Visitor(context, "phone", app.url)
    page = visitor.page
    to_the_business_step(visitor)
    fakeproviders.vies_unavailable("DE")
    give(page, VALID_DE)
    expect(page.get_by_text("VIES could not be reached just now")).to_be_visible()
    complete_steps(page, "payment", after="business")  # and any step a board adds after it
    expect(page.get_by_test_id("price-note")).to_contain_text("not confirmed yet")
    visitor.check("vat-journey-unavailable")

    posting = pay_from_germany(page, "vat-journey-unavailable-hosted-page")
    attempt = posting.current_attempt
    # Not confirmed when paying: no tax ID went to Stripe, so German VAT was charged.
    assert attempt.customer_id == "" and attempt.tax > 0 and attempt.tax_note == ""
    assert business_of(posting).vat_status == VatStatus.UNCHECKED

    fakeproviders.vies_available("DE")
    job = Job.objects.get(posting=posting, kind="vat_recheck")
    assert run_now(job.pk) == "done"
    business = business_of(JobPosting.objects.get(pk=posting.pk))
    assert (business.vat_status, business.name) == (VatStatus.VALID, "Beispiel GmbH")
    assert not business.held and not StaffNotice.objects.exists()
    visitor.assert_no_problems()
    context.close()


def test_with_vies_down_a_number_that_proves_invalid_is_held_until_staff_release_it(
    browser, app, fakeproviders, settings
):
    settings.VAT_HOLD_PUBLICATION = True
    context = browser.new_context(viewport=SIZES["desktop"])
    visitor = Visitor(context, "desktop", app.url)
    page = visitor.page
    to_the_business_step(visitor)
    fakeproviders.vies_unavailable("DE")
    give(page, UNREGISTERED_DE)
    expect(page.get_by_text("publish your posting once it is confirmed")).to_be_visible()
    complete_steps(page, "payment", after="business")  # and any step a board adds after it
    visitor.check("vat-journey-unavailable-hold")
    posting = pay_from_germany(page, "vat-journey-hold-hosted-page")

    fakeproviders.vies_available("DE")
    assert run_now(Job.objects.get(posting=posting, kind="vat_recheck").pk) == "done"
    assert business_of(JobPosting.objects.get(pk=posting.pk)).held
    notice = StaffNotice.objects.get()
    assert UNREGISTERED_DE in notice.subject and posting.reference in notice.subject

    log_in(page, app.url)
    page.goto(f"{app.url}/admin/wizard/jobposting/{posting.pk}/change/")
    expect(page.get_by_text("Publication held: VAT number proved invalid")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)
    page.screenshot(path=screenshot_path("vat-journey-admin-held"), full_page=True, caret="initial")
    page.get_by_role("button", name="Release the hold").click()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Approved 1 posting.")).to_be_visible()
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PUBLISHED
    context.close()
