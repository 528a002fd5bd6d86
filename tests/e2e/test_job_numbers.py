"""A reader opens a job page in Chromium, reloads it (the browser revalidates its copy: a
304), and presses Apply (through the app, to the employer's page); after the flush staff
see two views and one apply click in the postings list, on the posting's page and on the
dashboard, at a desktop's width and a phone's."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.integration.test_board import publish
from wizard.board.flush import flush_numbers

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_view_a_revalidation_and_an_apply_click_are_counted(page, live_server):
    # The employer's page: one of ours (no network in tests; and routing a URL with
    # Playwright turns the browser's HTTP cache off, and with it the revalidation).
    employers_page = f"{live_server.url}/?from=apply"
    posting = publish("Django Engineer", apply_url=employers_page)
    User.objects.create_superuser("staff", "staff@jobwizard.test", "correct horse battery")
    answers = []

    def answered(response):
        if "/jobs/" in response.url:
            sent, got = response.request.all_headers(), response.all_headers()
            answers.append((response.status, sent.get("if-none-match"), got.get("x-board-cache")))

    page.on("response", answered)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/jobs/{posting.slug}/")
    page.reload()  # the browser asks with its copy's ETag
    expect(page.get_by_role("heading", level=1)).to_have_text("Django Engineer")
    page.screenshot(path=screenshot_path("job-numbers-job-page"), full_page=True)
    page.get_by_role("link", name="Apply", exact=True).click()
    expect(page).to_have_url(employers_page)
    first, reloaded, applied = answers[:3]
    assert first == (200, None, "miss")
    # The reload revalidated the copy: the server's 304 carries no X-Board-Cache, and
    # Chromium shows it as its stored 200.
    assert reloaded[1] is not None and reloaded[2] is None
    assert applied[0] == 302

    flush_numbers()

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/wizard/jobposting/?queue=all")
    row = page.get_by_role("row", name=re.compile("Django Engineer"))
    expect(row.locator("td.field-views_total")).to_have_text("2")
    expect(row.locator("td.field-apply_clicks_total")).to_have_text("1")
    page.screenshot(path=screenshot_path("job-numbers-admin-list"), full_page=False)

    row.get_by_role("link", name="Open").click()
    facts = page.locator(".jw-review-facts")
    expect(facts).to_contain_text("Views2")
    expect(facts).to_contain_text("Apply clicks1")

    page.goto(f"{live_server.url}/admin/dashboard/")
    card = page.locator("section#job-numbers")
    expect(card.get_by_role("img", name="Views and apply clicks this week")).to_be_visible()
    expect(card).to_contain_text("2 job page views and 1 apply click in all")
    expect(card).to_contain_text("2 views")
    card.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("job-numbers-dashboard-desktop"), full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    chart = page.locator("section#job-numbers").get_by_role("img")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box["width"] <= 390 and box["x"] >= 0
    page.screenshot(path=screenshot_path("job-numbers-dashboard-phone"), full_page=False)
    page.goto(f"{live_server.url}/jobs/{posting.slug}/")
    page.screenshot(path=screenshot_path("job-numbers-job-page-phone"), full_page=True)
