"""An employer edits their live posting in Chromium; the board keeps the old text until
staff approve the edit, shown to them as a diff in the admin; then the board has the new
text. Screenshots of the employer's page and the admin's diff, at 1280 and 390 wide."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts import employer
from tests.e2e.accounts import signed_in
from tests.e2e.conftest import screenshot_path
from tests.e2e.test_every_page import Visitor
from tests.e2e.test_staff_review import SIZES, log_in, no_horizontal_overflow
from tests.factories import posting_at
from wizard.models import Actor, JobPosting, Status
from wizard.postings import review

pytestmark = pytest.mark.django_db(transaction=True)

OLD_TITLE = "Senior Django Engineer"
NEW_TITLE = "Lead Django Engineer"


def pictures(page, name):
    """Full-page screenshots at both widths, checking nothing overflows on the phone."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        no_horizontal_overflow(page)
        page.screenshot(path=screenshot_path(f"live-edit-{name}-{size}"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def test_an_edit_goes_live_once_staff_approve_it(page, app, browser):
    account = employer("boss@acme.example")
    posting = posting_at(
        Status.IN_REVIEW,
        employer=account,
        description="Build reliable things with Django.\nShip every week.",
    )
    posting = review.approve(posting.pk, by=Actor.system())
    signed_in(page.context, app.url, account)

    page.goto(f"{app.url}/account/postings/{posting.pk}/edit/")
    expect(page.get_by_role("heading", name="Change your live posting")).to_be_visible()
    # Only the place fields of the workplace chosen show, as in the wizard.
    office = page.get_by_role("group", name="The office, for an on-site or hybrid job")
    remote = page.get_by_role("group", name="For a remote job")
    expect(office).to_be_visible()
    expect(remote).to_be_hidden()
    page.get_by_label("Remote", exact=True).check()
    expect(office).to_be_hidden()
    expect(remote).to_be_visible()
    page.get_by_label("Hybrid", exact=True).check()  # as it was
    page.get_by_label("Job title").fill(NEW_TITLE)
    page.get_by_label("Description").fill(
        "Build reliable things with Django.\nShip every week.\nWork four days a week."
    )
    page.get_by_role("button", name="Send your changes for review").click()
    expect(page.get_by_text("the live posting stays as it was until then")).to_be_visible()
    expect(page.get_by_label("Job title")).to_have_value(NEW_TITLE)
    pictures(page, "employer")

    page.goto(f"{app.url}/")
    expect(page.get_by_role("link", name=re.compile(OLD_TITLE))).to_be_visible()
    expect(page.get_by_text(NEW_TITLE)).to_have_count(0)

    staff = browser.new_context().new_page()
    log_in(staff, app.url)
    staff.goto(f"{app.url}/admin/wizard/jobposting/?attention=revision")
    staff.get_by_role("link", name=posting.reference).click()
    diff = staff.locator(".jw-revision")
    expect(diff.get_by_role("heading", name="Edit waiting for review")).to_be_visible()
    expect(diff.locator("ins", has_text=NEW_TITLE)).to_be_visible()
    expect(diff.locator("del", has_text=OLD_TITLE)).to_be_visible()
    expect(diff.locator(".jw-line-added", has_text="Work four days a week.")).to_be_visible()
    pictures(staff, "admin-diff")
    staff.get_by_role("button", name="Approve the changes").click()
    expect(staff.get_by_text("Approved the changes")).to_be_visible()
    expect(staff.locator(".jw-revision")).to_have_count(0)

    page.goto(f"{app.url}/")
    expect(page.get_by_role("link", name=re.compile(NEW_TITLE))).to_be_visible()
    page.get_by_role("link", name=re.compile(NEW_TITLE)).click()
    expect(page.get_by_text("Work four days a week.")).to_be_visible()
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PUBLISHED
    staff.context.close()


@pytest.fixture(params=list(SIZES))
def visitor(request, browser, live_server):
    context = browser.new_context(viewport=SIZES[request.param])
    visitor = Visitor(context, request.param, live_server.url)
    yield visitor
    context.close()


def test_every_page_of_an_edit_is_accessible_fits_and_keeps_the_csp(visitor):
    """axe (WCAG 2.1 A and AA, best practices), no sideways scrolling, no CSP violation
    (tests/e2e/test_every_page.py's checks) on the employer's page, with its error summary
    and with an edit waiting, and on staff's diff and reject form."""
    v, page = visitor, visitor.page
    account = employer("boss@acme.example")
    posting = posting_at(Status.IN_REVIEW, employer=account, description="Ship every week.")
    posting = review.approve(posting.pk, by=Actor.system())
    signed_in(page.context, v.base_url, account)

    v.goto(f"/account/postings/{posting.pk}/edit/")
    v.check("live-edit")
    page.get_by_label("Job title").fill("")
    page.get_by_role("button", name="Send your changes for review").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    v.check("live-edit-errors")
    page.get_by_label("Job title").fill(NEW_TITLE)
    page.get_by_label("Description").fill("Ship every week.\n<b>Four</b> days a week.")
    page.get_by_role("button", name="Send your changes for review").click()
    expect(page.get_by_text("the live posting stays as it was until then")).to_be_visible()
    v.check("live-edit-pending")

    page.context.clear_cookies()
    log_in(page, v.base_url)
    revision = posting.revisions.get()
    v.goto(f"/admin/wizard/jobposting/{posting.pk}/change/")
    expect(page.locator(".jw-line-added", has_text="<b>Four</b> days a week.")).to_be_visible()
    v.check("live-edit-admin-diff")
    v.goto(f"/admin/wizard/jobposting/{posting.pk}/revision/{revision.pk}/reject/")
    v.check("live-edit-admin-reject")
    v.assert_no_problems()
