"""The public board in Chromium: htmx filtering under the real CSP, and a posting's page."""

import json
import os
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from tests.conftest import image_bytes
from tests.factories import posting_at
from tests.integration.test_board import publish
from wizard.models import Actor, Status
from wizard.postings import review

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = os.environ.get("BOARD_SCREENSHOTS")


@pytest.fixture
def jobs(transactional_db):
    django = publish("Django Engineer", company_name="Acme Corp", days_ago=3)
    django.logo = default_storage.save("logos/acme.png", ContentFile(image_bytes()))
    django.salary_min, django.salary_max, django.salary_currency = 70000, 90000, "eur"
    django.save()
    publish(
        "Product Designer",
        company_name="Pixel Ltd",
        workplace="on_site",
        city="London",
        country="GB",
    )
    publish(
        "Data Intern",
        company_name="Numbers Inc",
        workplace="on_site",
        city="Paris",
        country="FR",
        employment_type="internship",
    )
    return django


def watch_console(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_filtering_with_htmx(page, live_server, jobs):
    errors = watch_console(page)
    page.goto(live_server.url + "/")
    cards = page.locator(".job-card")
    expect(cards).to_have_count(3)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/board.png", full_page=True, caret="initial")

    # Typing searches after a pause, swaps only the results, and puts the query in the URL.
    search = page.get_by_label("Search")
    search.press_sequentially("pixel")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Product Designer")
    expect(page).to_have_url(live_server.url + "/?q=pixel&location=&employment_type=&workplace=")
    expect(search).to_be_focused()

    search.fill("")
    page.get_by_label("Search").press("Enter")
    expect(cards).to_have_count(3)
    page.get_by_label("Type").select_option("internship")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Data Intern")
    page.get_by_label("Type").select_option("")
    page.get_by_label("Workplace").select_option("hybrid")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Django Engineer")
    expect(cards.first.locator(".tag")).to_have_text("Hybrid")

    page.get_by_role("link", name="Django Engineer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Django Engineer")
    expect(page.get_by_role("img", name="Acme Corp logo")).to_be_visible()
    # Through the app, which counts the click and redirects (tests/e2e/test_job_numbers.py).
    expect(page.get_by_role("link", name="Apply", exact=True)).to_have_attribute(
        "href", re.compile(r"^/jobs/[\w-]+/apply/$")
    )
    data = json.loads(page.locator("script[type='application/ld+json']").text_content())
    assert data["title"] == "Django Engineer"
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/job.png", full_page=True, caret="initial")
    assert errors == []


def test_the_board_works_without_javascript(browser, live_server, jobs):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Location").fill("paris")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(live_server.url + "/?q=&location=paris&employment_type=&workplace=")
    expect(page.locator(".job-card")).to_have_count(1)
    expect(page.locator(".job-card")).to_contain_text("Data Intern")
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_job_approved_while_the_board_is_open_shows_on_the_way_back(
    browser, live_server, jobs, javascript
):
    """A person reading a job goes back to the board after staff approved another: the
    board they had (kept by the browser) is asked about again and shows the new job."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.locator(".job-card")).to_have_count(3)
    page.get_by_role("link", name="Django Engineer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Django Engineer")

    in_review = posting_at(Status.IN_REVIEW, title="Freshly approved", slug="freshly-approved")
    review.approve(in_review.pk, by=Actor.system())

    page.get_by_role("link", name="All jobs").click()
    expect(page.locator(".job-card")).to_have_count(4)
    expect(page.get_by_role("link", name="Freshly approved")).to_be_visible()
    context.close()
