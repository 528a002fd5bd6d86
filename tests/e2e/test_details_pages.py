"""The details step in Chromium: three short pages, the workplace's own location fields,
the country pickers, messages that say what to do, and nothing typed lost (a reload, the
finish-later link, the link opened again in the same browser), with and without
JavaScript."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import start_posting
from tests.e2e.walk import complete_steps
from wizard.models import JobPosting
from wizard.postings.links import make_finish_later_token

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def posting():
    return JobPosting.objects.get()


def shoot(page, name):
    page.screenshot(path=screenshot_path(name), full_page=True, caret="initial")


def about_the_job(page, title="Support Engineer"):
    page.get_by_label("Company name").fill("Acme Corp")
    page.get_by_label("Job title").fill(title)
    page.get_by_label("Type of employment").select_option("full_time")
    page.get_by_label("Description").fill("Answer our customers' questions from home.")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", name="Where the work is")).to_be_visible()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_with_javascript_the_workplace_reveals_its_fields_and_countries_are_searched(
    browser, app, size
):
    context = browser.new_context(viewport=PHONE if size == "phone" else None)
    page = context.new_page()
    start_posting(page, app)
    complete_steps(page, "details")
    expect(page.get_by_role("heading", name="About the job")).to_be_visible()
    expect(page.get_by_text("Details, part 1 of 3")).to_be_visible()
    shoot(page, f"details-job-{size}")

    # Errors that say what to do, each on its field.
    page.get_by_role("button", name="Continue", exact=True).click()
    for message in ("Enter your company's name", "Enter the job title", "Describe the job"):
        expect(page.get_by_text(message).first).to_be_visible()
    shoot(page, f"details-job-errors-{size}")
    about_the_job(page)

    # No location field before a workplace is chosen; then only that workplace's.
    expect(page.get_by_label("Town or city")).to_have_count(0)
    expect(page.get_by_text("Hold Ctrl")).to_have_count(0)
    page.get_by_label("Remote").check()
    search = page.get_by_role("searchbox", name="Countries applicants may live in")
    expect(search).to_be_visible()
    expect(page.get_by_label("Town or city")).to_have_count(0)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(
        page.locator(".errorlist").get_by_text(
            "Choose at least one country where applicants may live"
        )
    ).to_be_visible()
    search.fill("germ")
    expect(page.get_by_role("checkbox", name="Germany")).to_be_visible()
    expect(page.get_by_role("checkbox", name="France")).to_be_hidden()
    page.get_by_role("checkbox", name="Germany").check()
    search.fill("fran")
    page.get_by_role("checkbox", name="France").check()
    expect(page.get_by_text("Chosen: France, Germany")).to_be_visible()
    shoot(page, f"details-where-remote-{size}")

    page.get_by_label("On-site").check()
    expect(page.get_by_label("Town or city")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Germany")).to_have_count(0)
    page.get_by_label("Search for a country").fill("nether")
    expect(page.get_by_label("Country", exact=True)).to_have_value("NL")
    shoot(page, f"details-where-office-{size}")
    # Back to remote: the countries chosen before are still chosen (kept as typed).
    page.get_by_label("Remote").check()
    expect(page.get_by_label("Town or city")).to_have_count(0)
    expect(page.get_by_text("Chosen: France, Germany")).to_be_visible()
    page.get_by_role("button", name="Continue", exact=True).click()

    expect(page.get_by_role("heading", name="Salary and how to apply")).to_be_visible()
    page.get_by_label("Apply by web address").fill("our jobs page")
    page.get_by_label("Your email address").fill("not-an-email")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(
        page.locator(".errorlist").get_by_text("Enter a web address starting with https://")
    ).to_be_visible()
    expect(
        page.locator(".errorlist").get_by_text(
            "Enter an email address in the correct format, like name@example.com"
        )
    ).to_be_visible()
    shoot(page, f"details-apply-errors-{size}")
    page.get_by_label("Apply by web address").fill("https://acme.example/jobs/43")
    page.get_by_label("Your email address").fill("hiring@acme.example")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/details/"))
    posting = JobPosting.objects.get()
    assert (posting.workplace, posting.city) == ("remote", "")
    assert [c.code for c in posting.applicant_countries] == ["DE", "FR"]
    assert posting.has_details
    context.close()


def test_without_javascript_the_location_fields_come_on_pressing_continue(browser, app):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    start_posting(page, app)
    complete_steps(page, "details")
    about_the_job(page)
    expect(page.get_by_label("Town or city")).to_have_count(0)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_text("Choose where the work is done").first).to_be_visible()

    page.get_by_label("Hybrid").check()
    page.get_by_role("button", name="Continue", exact=True).click()
    # The same page again, now with the office's fields and no error yet.
    expect(page.get_by_label("Town or city")).to_be_visible()
    expect(page.locator(".errorlist")).to_have_count(0)
    shoot(page, "details-where-office-without-javascript")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(
        page.locator(".errorlist").get_by_text("Enter the city where the office is")
    ).to_be_visible()

    # Switching to remote: its plain list of countries (no picker without JavaScript).
    page.get_by_label("Remote").check()
    page.get_by_role("button", name="Continue", exact=True).click()
    countries = page.get_by_label("Countries applicants may live in")
    expect(countries).to_be_visible()
    countries.select_option(["DE", "FR"])
    shoot(page, "details-where-remote-without-javascript")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", name="Salary and how to apply")).to_be_visible()
    posting = JobPosting.objects.get()
    assert [c.code for c in posting.applicant_countries] == ["DE", "FR"]
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_what_was_typed_survives_a_reload(browser, app, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    start_posting(page, app)
    complete_steps(page, "details")
    page.get_by_label("Company name").fill("Acme Corp")
    page.get_by_label("Job title").fill("Half-typed title")
    if javascript:
        # The autosave, on leaving the field (or after a pause in typing): no swap, no step.
        # The save that holds the title (an earlier one, on leaving the company's field,
        # may be answered first).
        with page.expect_response(
            lambda r: r.request.method == "POST" and "Half-typed" in (r.request.post_data or "")
        ) as saved:
            page.get_by_label("Description").click()
        assert saved.value.status == 204
        expect(page.get_by_role("heading", name="About the job")).to_be_visible()
    else:
        page.get_by_role("button", name="Continue", exact=True).click()  # invalid: kept
        expect(page.get_by_text("Describe the job").first).to_be_visible()
    posting = JobPosting.objects.get()
    assert posting.step_data["details"]["typed"]["title"] == "Half-typed title"
    assert (posting.title, posting.status) == ("", "logo_ready")

    page.reload()
    expect(page.get_by_label("Job title")).to_have_value("Half-typed title")
    expect(page.get_by_label("Company name")).to_have_value("Acme Corp")
    context.close()


def test_the_finish_later_link_opens_the_draft_as_typed_and_again_in_the_same_browser(browser, app):
    context = browser.new_context()
    page = context.new_page()
    start_posting(page, app)
    complete_steps(page, "details")
    page.get_by_label("Company name").fill("Acme Corp")
    page.get_by_label("Job title").fill("Typed before leaving")
    page.get_by_role("button", name="Finish later").click()
    expect(page.get_by_role("heading", name="Finish later")).to_be_visible()
    shoot(page, "details-finish-later")
    page.get_by_label("Your email address").fill("later@acme.example")
    page.get_by_role("button", name="Email me the link").click()
    expect(page.get_by_text("We emailed a link to later@acme.example")).to_be_visible()
    link = app.url + reverse("wizard:finish_later", args=[make_finish_later_token(posting())])
    context.close()

    # Another browser: the link opens the draft with what was typed.
    other = browser.new_context()
    page = other.new_page()
    page.goto(link)
    page.get_by_role("button", name="Continue your draft").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()
    expect(page.get_by_label("Job title")).to_have_value("Typed before leaving")
    expect(page.get_by_label("Company name")).to_have_value("Acme Corp")

    # The same link again, in this browser: the draft, not a dead end.
    page.goto(link)
    expect(page.get_by_text("You already opened this link in this browser")).to_be_visible()
    expect(page.get_by_label("Job title")).to_have_value("Typed before leaving")
    shoot(page, "details-link-reused")
    other.close()


def test_one_autosave_at_a_time_so_an_older_one_cannot_overwrite_a_newer(page, app):
    start_posting(page, app)
    complete_steps(page, "details")
    held = []
    page.route(
        re.compile(r"/details/\?page=job$"),
        lambda route: (
            held.append(route)
            if "autosave" in (route.request.post_data or "")
            else route.continue_()
        ),
    )
    page.get_by_label("Job title").fill("First")
    page.get_by_label("Company name").click()  # leaving the title: a save, held
    page.wait_for_timeout(300)
    assert len(held) == 1
    page.get_by_label("Job title").fill("Second")
    page.get_by_label("Company name").click()  # another save asked for while one is out
    page.wait_for_timeout(500)
    assert len(held) == 1, "a second save was sent while the first was in flight"
    held[0].continue_()
    page.wait_for_timeout(1000)
    assert len(held) == 2  # sent once the first was answered, with the newer answer
    assert "Second" in held[1].request.post_data
    held[1].continue_()
    expect(page.get_by_label("Job title")).to_have_value("Second")
    page.wait_for_timeout(300)
    assert JobPosting.objects.get().step_data["details"]["typed"]["title"] == "Second"
