"""Issue 20's return journey in Chromium, as one employer does it, page by page: sign in by
the emailed code, see their drafts and live postings, continue a draft, duplicate a live
posting and pay for the copy, renew an expiring one from the expiry email's link, edit a
live one (the board keeps the old text until staff approve; then the new text, and the
search engines' notice queued), open an invoice from the payments page, and see a view
and an apply click counted.

What the employer did before this visit (three postings) is made by the factories; every
step of the journey is done through the pages, with the task worker sending the emails."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts import employer
from tests.e2e.accounts import Outbox, sign_in_by_code, site_path
from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import CARD_OK, pay
from tests.e2e.test_staff_review import log_in
from tests.e2e.walk import complete_steps, expect_step
from tests.factories import posting_at
from wizard.board.flush import flush_numbers
from wizard.effects import indexing
from wizard.effects.email import warn_expiring_postings
from wizard.flow.order import FLOW
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, Status
from wizard.postings import review

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "boss@acme.example"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A person's browser: the job page counts a view from any browser that is not a robot.
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
APPLY_URL = "https://careers.acme.example/jobs/principal-platform-engineer"


def test_a_returning_employer_comes_back_for_everything(browser, app, task_worker):
    outbox = Outbox.install()
    draft, live, expiring = postings_from_before(employer(EMAIL, company_name="Acme"))
    context = browser.new_context(viewport=DESKTOP, user_agent=CHROME)
    page = context.new_page()

    sign_in_by_code(page, app.url, EMAIL, outbox)
    see_my_drafts_and_live_postings(page, app, draft, live, expiring)
    continue_my_draft(page, draft)
    duplicate_and_pay_for_the_copy(page, app, live)
    renew_from_the_expiry_email(page, app, outbox, expiring)
    edit_it_while_it_is_live(page, app, browser, expiring)
    open_my_invoice(page, app)
    see_a_view_and_an_apply_click_counted(page, app, live)
    context.close()


def postings_from_before(account):
    """A draft at its details, a posting live for a month, and one leaving in two days."""
    draft = posting_at("logo_ready", employer=account, title="Backend Developer")
    live = published(account, "Principal Platform Engineer", apply_url=APPLY_URL)
    expiring = published(account, "Data Engineer", description="Build our data pipelines.")
    JobPosting.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() + timedelta(days=2))
    return draft, live, JobPosting.objects.get(pk=expiring.pk)


def published(account, title, **fields):
    posting = posting_at(
        Status.IN_REVIEW, employer=account, title=title, contact_email=EMAIL, **fields
    )
    return review.approve(posting.pk, by=Actor.system())


def snap(page, name):
    path = screenshot_path(f"return-journey/{name}")
    page.screenshot(path=path, full_page=True, caret="initial")


def see_my_drafts_and_live_postings(page, app, draft, live, expiring):
    page.goto(f"{app.url}/account/postings/")
    expect(page.get_by_role("heading", name="Your postings", level=1)).to_be_visible()
    expect(row(page, draft)).to_contain_text("Draft")
    for posting in (live, expiring):
        expect(row(page, posting)).to_contain_text("Live")
    snap(page, "1-your-postings-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    snap(page, "1-your-postings-phone")
    page.set_viewport_size(DESKTOP)


def row(page, posting):
    """The posting's row on Your postings (a copy has the same title, not the reference)."""
    return page.get_by_role("row").filter(has_text=posting.reference)


def continue_my_draft(page, draft):
    row(page, draft).get_by_role("link", name=f"Continue {draft.title}").click()
    expect_step(page, FLOW.first_incomplete(draft).name)
    snap(page, "2-draft-continued")


def open_my_posting(page, app, posting):
    page.goto(f"{app.url}/account/postings/")
    row(page, posting).get_by_role("link", name=posting.title, exact=True).click()
    expect(page.get_by_role("heading", name=posting.title, level=1)).to_be_visible()


def duplicate_and_pay_for_the_copy(page, app, live):
    open_my_posting(page, app, live)
    page.get_by_role("button", name="Duplicate").click()
    expect(page.get_by_text(f"This is a copy of “{live.title}”")).to_be_visible()
    snap(page, "3-copy-first-step")
    complete_steps(page, "payment")
    answers = page.locator("#step-panel")  # the answers to check: copied, not retyped
    expect(answers).to_contain_text(live.title)
    expect(answers).to_contain_text(APPLY_URL)
    page.get_by_role("button", name="Pay USD 99.00").click()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    copy = JobPosting.objects.exclude(pk=live.pk).get(title=live.title)
    assert copy.employer_id == live.employer_id and copy.paid_at
    snap(page, "3-copy-paid")


def renew_from_the_expiry_email(page, app, outbox, expiring):
    assert warn_expiring_postings() == [expiring.pk]  # as the scheduler runs it
    message = outbox.wait_for(EMAIL, "leaves the board")
    link = re.search(r"https?://\S+/renew/\S+", message.body).group(0)
    page.goto(app.url + site_path(link))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renew")
    snap(page, "4-renew")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    pay(page, CARD_OK)
    expect(page.get_by_role("heading", name="Your posting is renewed")).to_be_visible()
    snap(page, "4-renewed")
    assert JobPosting.objects.get(pk=expiring.pk).expires_at > expiring.expires_at


def edit_it_while_it_is_live(page, app, browser, posting):
    open_my_posting(page, app, posting)
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Description").fill("Build our data pipelines.\nWork four days a week.")
    page.get_by_role("button", name="Send your changes for review").click()
    expect(page.get_by_text("the live posting stays as it was until then")).to_be_visible()
    snap(page, "5-edit-sent")

    job_page = f"{app.url}/jobs/{posting.slug}/"
    page.goto(job_page)
    expect(page.get_by_text("Build our data pipelines.")).to_be_visible()
    expect(page.get_by_text("Work four days a week.")).to_have_count(0)

    approve_the_edit_as_staff(browser, app, posting)

    page.goto(job_page)
    expect(page.get_by_text("Work four days a week.")).to_be_visible()
    snap(page, "5-edit-live")
    revision = posting.revisions.get()
    notice = Job.objects.of_kind(indexing.KIND).get(
        posting=posting, name__endswith=f":revision:{revision.pk}"
    )
    assert notice.payload["type"] == indexing.URL_UPDATED
    assert notice.payload["url"].endswith(f"/jobs/{posting.slug}/")


def approve_the_edit_as_staff(browser, app, posting):
    staff = browser.new_context(viewport=DESKTOP).new_page()
    log_in(staff, app.url)
    staff.goto(f"{app.url}/admin/wizard/jobposting/?attention=revision")
    staff.get_by_role("link", name=posting.reference).click()
    expect(staff.locator(".jw-line-added", has_text="Work four days a week.")).to_be_visible()
    staff.get_by_role("button", name="Approve the changes").click()
    expect(staff.get_by_text("Approved the changes")).to_be_visible()
    staff.context.close()


def open_my_invoice(page, app):
    page.goto(f"{app.url}/account/postings/")
    page.get_by_role("navigation", name="Account pages").get_by_role(
        "link", name="Payments"
    ).click()
    expect(page.get_by_role("heading", name="Payments", level=1)).to_be_visible()
    snap(page, "6-payments")
    page.get_by_role("link", name=re.compile(r"^Invoice \(PDF\)")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Invoice [A-Z0-9]{8}-\d{4} \(PDF\)$")
    )
    expect(page.locator("main")).to_contain_text("USD 99.00")
    snap(page, "6-invoice")


def see_a_view_and_an_apply_click_counted(page, app, live):
    page.route(APPLY_URL, lambda route: route.fulfill(body="The employer's own page"))
    page.goto(f"{app.url}/jobs/{live.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(live.title)
    page.get_by_role("link", name="Apply", exact=True).click()
    expect(page).to_have_url(APPLY_URL)

    flush_numbers()  # as the scheduler runs it

    page.goto(f"{app.url}/account/postings/")
    expect(row(page, live)).to_contain_text("1 view, 1 apply click")
    snap(page, "7-numbers")
