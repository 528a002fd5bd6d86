"""Staff review a job in the admin, in Chromium: the posting's page shows the job as the
board will and large buttons, the queue's row action rejects with a reason (with and
without JavaScript), and the dashboard opens with what needs doing now and revenue."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import expect

from tests.attempts import waiting_for_review
from tests.e2e.conftest import screenshot_path
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def log_in(page, base_url):
    User.objects.get_or_create(
        username="reviewer",
        defaults={"email": "reviewer@jobwizard.test", "is_staff": True, "is_superuser": True},
    )
    user = User.objects.get(username="reviewer")
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def no_horizontal_overflow(page):
    width, window = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert width <= window


def test_staff_approve_a_posting_and_see_it_on_the_board(page, app):
    posting = waiting_for_review("Principal Django Engineer", hours=3)
    log_in(page, app.url)

    page.goto(f"{app.url}/admin/wizard/jobposting/")
    page.get_by_role("link", name=posting.reference).click()
    expect(
        page.get_by_role("heading", name="Principal Django Engineer", exact=True)
    ).to_be_visible()
    expect(page.get_by_role("link", name="Reject and refund…")).to_be_visible()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Approved 1 posting.")).to_be_visible()
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PUBLISHED

    page.get_by_role("link", name="View on the board").click()
    expect(page.get_by_role("heading", name="Principal Django Engineer")).to_be_visible()
    page.goto(f"{app.url}/")
    expect(page.get_by_role("link", name=re.compile("Principal Django Engineer"))).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_the_review_page_shows_the_job_and_big_buttons(page, app, size):
    posting = waiting_for_review("Staff Platform Engineer", hours=5)
    page.set_viewport_size(SIZES[size])
    log_in(page, app.url)
    page.goto(f"{app.url}/admin/wizard/jobposting/{posting.pk}/change/")

    review = page.locator(".jw-review")
    expect(review.get_by_role("heading", name="Staff Platform Engineer")).to_be_visible()
    expect(review.locator("strong", has_text="Django")).to_be_visible()  # Markdown, rendered
    expect(review.get_by_text(posting.reference)).to_be_visible()
    expect(review.get_by_text("USD 99.00", exact=True)).to_be_visible()
    expect(review.get_by_role("heading", name="What the employer sees")).to_be_visible()
    approve = page.get_by_role("button", name="Approve and publish")
    reject = page.get_by_role("link", name="Reject and refund…")
    for button in (approve, reject):
        box = button.bounding_box()
        # Large, and on the first screen, above the job.
        assert box["height"] >= 40 and box["y"] + box["height"] <= SIZES[size]["height"]
    # The raw fields are folded below the job.
    expect(page.get_by_label("Title")).to_be_hidden()
    expect(page.get_by_text("Edit the posting")).to_be_visible()
    no_horizontal_overflow(page)
    page.screenshot(path=screenshot_path(f"staff-review-posting-{size}"), full_page=True)

    long_title = "Senior Staff Principal Distinguished Platform Reliability Engineer, " * 2
    waiting_for_review(long_title[:120], hours=1)
    page.goto(f"{app.url}/admin/wizard/jobposting/")
    expect(page.get_by_role("cell", name="5 h")).to_be_visible()
    titles = page.locator(".jw-job-title")
    heights = [titles.nth(index).bounding_box()["height"] for index in range(titles.count())]
    assert max(heights) == min(heights)  # the long title on one line, cut
    no_horizontal_overflow(page)
    actions = page.locator("#result_list td.field-row_actions").first
    box, table = actions.bounding_box(), page.locator("#changelist").bounding_box()
    if size == "desktop":  # every column shows, none cut
        assert box["x"] + box["width"] <= table["x"] + table["width"] + 1
    page.screenshot(path=screenshot_path(f"staff-review-queue-{size}"), full_page=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_reject_with_a_reason_from_the_queue(browser, app, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=SIZES["desktop"])
    page = context.new_page()
    posting = waiting_for_review("Too good to be true", hours=2)
    kept = waiting_for_review("Ordinary job", hours=1)
    log_in(page, app.url)

    page.goto(f"{app.url}/admin/wizard/jobposting/")
    row = page.get_by_role("row", name=re.compile(posting.reference))
    row.get_by_role("link", name="Reject").click()
    page.get_by_role("button", name="Reject and refund").click()  # no reason yet
    expect(page.get_by_text("Choose why the posting is rejected.")).to_be_visible()
    page.get_by_label("Spam or scam").check()
    page.get_by_label("Note to the employer (optional)").fill("The salary is not real.")
    page.get_by_role("button", name="Reject and refund").click()

    expect(page.get_by_text("Rejected 1 posting.")).to_be_visible()
    expect(page.get_by_role("heading", name="Postings to review")).to_be_visible()
    assert JobPosting.objects.get(pk=posting.pk).rejection_reason == (
        "Spam or scam. The salary is not real."
    )
    assert JobPosting.objects.get(pk=kept.pk).status == Status.IN_REVIEW
    if javascript:
        page.screenshot(path=screenshot_path("staff-review-after-reject-desktop"))
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_dashboard_opens_with_what_needs_doing_now(page, app, size, settings):
    waiting_for_review("Waited long", hours=9)
    waiting_for_review("Just arrived", hours=1)
    page.set_viewport_size(SIZES[size])
    log_in(page, app.url)
    page.goto(f"{app.url}/admin/dashboard/")

    now = page.locator(".jw-now")
    expect(now.get_by_role("heading", name="Needs doing now")).to_be_visible()
    awaiting = now.get_by_role("link", name=re.compile("Awaiting review"))
    expect(awaiting).to_contain_text("2")
    expect(awaiting).to_contain_text("oldest waiting 9 h")
    revenue = page.get_by_role("region", name="Revenue by week: the numbers")
    expect(revenue.get_by_role("row").nth(1)).to_contain_text("USD 198.00")
    expect(
        page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Home")
    ).to_be_visible()
    no_horizontal_overflow(page)
    page.screenshot(path=screenshot_path(f"staff-review-dashboard-{size}"), full_page=True)

    awaiting.click()
    expect(page.get_by_role("heading", name="Postings to review")).to_be_visible()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert not mail.outbox
