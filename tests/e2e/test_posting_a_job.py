"""A person posts a job in Chromium: every page, htmx swap and redirect is real."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.conftest import image_bytes, step_counter
from tests.e2e.conftest import screenshot_path
from tests.e2e.walk import complete_steps, expect_step, fill_in
from wizard.flow.order import FLOW
from wizard.models import Actor, JobPosting, Status
from wizard.payments.fulfilment import fulfil
from wizard.postings import review

pytestmark = pytest.mark.django_db(transaction=True)

CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"


def start_posting(page, app):
    page.goto(app.url + "/")
    page.get_by_role("link", name="Post a job").click()
    page.get_by_role("button", name="Start my posting").click()
    expect_step(page, FLOW.steps[0].name)


def upload_logo(page):
    page.get_by_label("Company logo").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}
    )
    page.get_by_role("button", name="Upload and continue").click()
    expect_step(page, "details")


def fill_details(page, title="Senior Django Engineer"):
    """From the details step to the payment step, as the example employer."""
    complete_steps(page, "payment", details={"title": title})


def pay(page, card):
    page.get_by_label("Card number").fill(card)
    page.get_by_role("button", name="Pay", exact=True).click()


def test_happy_path_ends_confirmed_with_the_email_sent(page, app, task_worker):
    start_posting(page, app)
    upload_logo(page)
    expect(page).to_have_url(re.compile(r"/details/\?page=job$"))  # the URL follows the swap
    fill_details(page)
    expect(page).to_have_url(re.compile(r"/payment/$"))
    expect(page.get_by_text("Senior Django Engineer")).to_be_visible()

    page.get_by_role("button", name="Pay USD 99.00").click()
    expect(page).to_have_url(re.compile(r"/checkout/cs_"))
    pay(page, CARD_OK)

    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    # The page polls the status partial until the worker has sent the email.
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    posting = JobPosting.objects.get()
    assert posting.status == Status.IN_REVIEW
    assert posting.logo.name.endswith(".png")
    assert [email.to for email in mail.outbox] == [["hiring@acme.example"]]


def test_a_declined_card_then_a_successful_retry(page, app, task_worker):
    start_posting(page, app)
    complete_steps(page, "details")
    fill_details(page)
    page.get_by_role("button", name="Pay USD 99.00").click()

    pay(page, CARD_DECLINED)
    expect(page.get_by_role("alert")).to_contain_text("Your card was declined.")
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    assert len(mail.outbox) == 1


def test_going_back_to_edit_the_details_before_paying(page, app, task_worker):
    start_posting(page, app)
    complete_steps(page, "details")
    fill_details(page, title="Django Engineer")
    page.get_by_role("button", name="Pay USD 99.00").click()
    expect(page.get_by_label("Card number")).to_be_visible()  # at the checkout: it is open
    first_session = JobPosting.objects.get().current_attempt.session_id

    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("Payment cancelled. You have not been charged.")).to_be_visible()
    page.get_by_role("link", name="Change job title").click()
    expect_step(page, "details")
    expect(page.get_by_label("Job title")).to_be_in_viewport()
    page.get_by_label("Job title").fill("Staff Django Engineer")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect_step(page, "payment")  # straight back to the review
    expect(page.get_by_text("Staff Django Engineer")).to_be_visible()

    page.get_by_role("button", name="Pay USD 99.00").click()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    posting = JobPosting.objects.get()
    assert (posting.title, posting.status, posting.current_attempt.number) == (
        "Staff Django Engineer",
        Status.IN_REVIEW,
        2,
    )
    assert posting.current_attempt.session_id != first_session


def test_without_javascript_every_step_works_and_the_bot_check_says_it_needs_it(
    browser, app, task_worker
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    start_posting(page, app)
    upload_logo(page)
    page.get_by_role("button", name="Continue", exact=True).click()  # an empty form
    expect(page.get_by_text("Enter your company's name").first).to_be_visible()
    fill_details(page)
    # Said at once, before any press: Pay cannot work without JavaScript, so it is off.
    expect(page.get_by_text("The check that you're human needs JavaScript")).to_be_visible()
    expect(page.get_by_role("button", name="Pay USD 99.00")).to_be_disabled()
    page.screenshot(
        path=screenshot_path("payment-without-javascript"), full_page=True, caret="initial"
    )
    posting = JobPosting.objects.get()
    assert (posting.status, posting.current_attempt) == (Status.READY_TO_PAY, None)
    context.close()


def test_cancelling_at_the_hosted_page_then_paying(page, app, task_worker):
    start_posting(page, app)
    complete_steps(page, "details")
    fill_details(page)
    page.get_by_role("button", name="Pay USD 99.00").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("Payment cancelled. You have not been charged.")).to_be_visible()
    assert JobPosting.objects.get().status == Status.AWAITING_PAYMENT

    page.get_by_role("button", name="Pay USD 99.00").click()  # the same open session again
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    posting = JobPosting.objects.get()
    assert (posting.status, posting.current_attempt.number) == (Status.IN_REVIEW, 1)
    assert len(mail.outbox) == 1


def test_the_confirmation_ledger_updates_live_as_the_worker_sends_the_email(
    page, app, paused_worker
):
    start_posting(page, app)
    complete_steps(page, "details")
    fill_details(page)
    page.get_by_role("button", name="Pay USD 99.00").click()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    ledger = page.get_by_role("list", name="What has happened")
    entries = ledger.get_by_role("listitem")
    email = entries.filter(has_text="Confirmation email")
    expect(entries.filter(has_text="Payment confirmed")).to_contain_text("done")
    expect(email).to_contain_text("not yet")
    page.evaluate("window.stillTheSamePage = true")

    paused_worker.start()  # the worker picks up the queued confirmation email

    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    expect(email).to_contain_text("Confirmation email sent")
    expect(email).to_contain_text("done")
    expect(email).to_contain_text("to hiring@acme.example")
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place, not reloaded
    assert len(mail.outbox) == 1


def test_staff_approval_appears_live_and_polling_leaves_what_is_typed_alone(
    page, app, task_worker, settings
):
    settings.REVIEW_POLL_SECONDS = 1
    start_posting(page, app)
    complete_steps(page, "details")
    fill_details(page)
    page.get_by_role("button", name="Pay USD 99.00").click()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=15_000)
    page.get_by_text("Didn't get the email?").click()  # the resend form is folded away
    address = page.get_by_label("Send it to")
    address.fill("typing@acme.example")
    with page.expect_response(lambda r: "/status/" in r.url):  # at least one poll
        pass
    with page.expect_response(lambda r: "/status/" in r.url):
        pass
    expect(address).to_have_value("typing@acme.example")
    expect(address).to_be_focused()

    posting = JobPosting.objects.get()
    review.approve(posting.pk, by=Actor.system())

    expect(page.get_by_role("heading", name="Your job is live")).to_be_visible(timeout=10_000)
    page.screenshot(
        path=screenshot_path("confirmation-approved-live"), full_page=True, caret="initial"
    )


def test_a_logo_over_the_upload_limit_is_refused_in_place_and_nothing_is_saved(page, app, settings):
    settings.MAX_REQUEST_BYTES = 64 * 1024  # the refusal comes before the body is read
    start_posting(page, app)
    page.get_by_label("Company logo").set_input_files(
        {"name": "huge.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"0" * 100_000}
    )
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", name="That file is too large")).to_be_visible()
    expect(page).to_have_title("Too large · Jobwizard")
    page.screenshot(path=screenshot_path("logo-too-large"), full_page=True, caret="initial")
    assert not JobPosting.objects.get().logo

    page.get_by_role("link", name="Choose a smaller file").click()
    expect_step(page, "logo")


def test_after_each_swap_the_title_follows_the_step_and_focus_moves_to_it(page, app):
    start_posting(page, app)
    complete_steps(page, "details")
    posting = JobPosting.objects.get()
    expect(page).to_have_title(f"Details · {step_counter('details', posting)} · Jobwizard")
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    page.get_by_role("button", name="Continue", exact=True).click()  # an empty form
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()  # the error summary, as GOV.UK's
    expect(page).to_have_title(f"Error: Details · {step_counter('details', posting)} · Jobwizard")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Company name")).to_be_focused()
    fill_in(page, "details")
    following = FLOW.first_incomplete(JobPosting.objects.get())
    counter = step_counter(following.name, posting)
    expect(page).to_have_title(f"{following.title} · {counter} · Jobwizard")
    expect(page.get_by_role("heading", level=1)).to_be_focused()


def test_a_slow_payment_request_shows_it_is_busy_and_cannot_be_sent_twice(
    page, app, fakestripe, task_worker
):
    start_posting(page, app)
    complete_steps(page, "details")
    fill_details(page)
    fakestripe.inject_fault(
        "timeout", count=1, method="POST", path=r"^/v1/checkout/sessions$", delay=2
    )
    page.get_by_role("button", name="Pay USD 99.00").click()
    busy = page.get_by_role("button", name="Taking you to secure payment…")
    expect(busy).to_be_disabled()
    expect(busy).to_have_class(re.compile(r"button--busy"))
    panel = page.locator("#step-panel")
    expect(panel).to_have_attribute("aria-busy", "true")
    change = page.get_by_role("link", name="Change job title")
    expect(change).to_have_attribute("aria-disabled", "true")
    expect(change).to_have_css("pointer-events", "none")
    page.screenshot(path=screenshot_path("payment-in-flight"), full_page=True, caret="initial")
    page.wait_for_url(re.compile(r"/checkout/cs_"), timeout=15_000)
    assert len(fakestripe_sessions(fakestripe)) == 1


def fakestripe_sessions(fakestripe):
    from tests.conftest import stripe_api

    return stripe_api().v1.checkout.sessions.list().data


def test_paying_by_bank_shows_the_payment_processing_then_in_review(page, app, fakestripe):
    """A delayed method (ACH, offered by fakestripe's Dashboard stand-in for USD): back from
    Stripe the payment step says the payment is on its way and offers no Pay button; when
    the bank's answer comes, the posting is paid."""
    start_posting(page, app)
    upload_logo(page)
    fill_details(page)
    page.get_by_role("button", name="Pay USD 99.00").click()
    expect(page).to_have_url(re.compile(r"/checkout/cs_"))
    page.get_by_role("button", name="Pay by US bank account (ACH Direct Debit)").click()

    expect(page).to_have_url(re.compile(r"/payment/$"))
    expect(page.get_by_role("heading", name="Payment processing")).to_be_visible()
    expect(page.get_by_text("up to 4 business days")).to_be_visible()
    expect(page.get_by_role("button", name="Pay USD 99.00")).to_have_count(0)
    page.screenshot(path=screenshot_path("payment-processing"), caret="initial", full_page=True)
    assert JobPosting.objects.get().status == Status.PAYMENT_PROCESSING

    session_id = JobPosting.objects.get().current_attempt.session_id
    fakestripe.async_result(session_id, succeeded=True)
    fulfil(session_id, by=Actor.system())  # async_payment_succeeded's work, without a worker
    page.reload()
    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    assert JobPosting.objects.get().status == Status.IN_REVIEW
