"""The wizard's question pages in Chromium, with and without JavaScript: the error summary,
check your answers and its Change links, Pay without JavaScript, busy panels, and the
progress on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.walk import complete_steps, expect_step
from wizard.flow.order import FLOW
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(params=["with-js", "without-js"])
def any_page(request, browser):
    """A page, with JavaScript and without: (page, whether JavaScript runs)."""
    javascript = request.param == "with-js"
    context = browser.new_context(java_script_enabled=javascript)
    yield context.new_page(), javascript
    context.close()


def start_posting(page, app):
    page.goto(app.url + "/post/")
    page.get_by_role("button", name="Start my posting").click()
    expect_step(page, FLOW.steps[0].name)


def test_the_error_summary_lists_each_problem_and_leads_to_its_field(any_page, app):
    page, javascript = any_page
    start_posting(page, app)
    complete_steps(page, "details")
    page.get_by_label("Job title").fill("")
    page.get_by_role("button", name="Continue", exact=True).click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: Details · Step \d of \d"))
    # The field's own message, above it, read as "Error: …".
    expect(page.locator("#id_company_name_error")).to_contain_text("Error:")
    page.screenshot(
        path=screenshot_path(f"details-errors-{'js' if javascript else 'nojs'}"),
        full_page=True,
        caret="initial",
    )
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Company name")).to_be_in_viewport()
    if javascript:
        expect(summary).not_to_be_focused()
        expect(page.get_by_label("Company name")).to_be_focused()
    else:  # the browser follows the link to the field
        expect(page).to_have_url(re.compile(r"#id_company_name$"))


def test_a_change_link_leads_to_the_answer_and_back_to_the_review(any_page, app):
    page, _javascript = any_page
    start_posting(page, app)
    complete_steps(page, "payment")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshot_path("check-answers-desktop"), full_page=True, caret="initial")
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshot_path("check-answers-phone"), full_page=True, caret="initial")

    page.get_by_role("link", name="Change job title").click()
    expect_step(page, "details")
    expect(page).to_have_url(re.compile(r"/details/\?page=job&change=1#id_title$"))
    expect(page.get_by_label("Job title")).to_be_in_viewport()
    page.get_by_label("Job title").fill("Principal Django Engineer")
    page.get_by_role("button", name="Continue", exact=True).click()

    expect_step(page, "payment")
    expect(page.locator(".summary-list")).to_contain_text("Principal Django Engineer")
    assert JobPosting.objects.get().title == "Principal Django Engineer"


def test_without_javascript_pay_says_what_it_needs_before_the_press(browser, app):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    start_posting(page, app)
    complete_steps(page, "payment")
    expect(page.get_by_text("The check that you're human needs JavaScript")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_be_disabled()
    context.close()


def test_with_javascript_pay_waits_for_the_check_then_opens(page, app):
    start_posting(page, app)
    complete_steps(page, "payment")
    pay = page.locator("button[name=pay]")
    expect(pay).to_be_enabled()  # the emulated check is done at once
    expect(page.get_by_text("needs JavaScript")).to_be_hidden()
    # A real widget not yet solved (or its token expired): Pay waits, and says so.
    page.evaluate(
        "() => { document.querySelector('[data-botcheck-token]').value = '';"
        " window.jobwizardBotcheckExpired(); }"
    )
    expect(pay).to_be_disabled()
    expect(pay).to_have_text("Waiting for the check that you're human…")
    page.evaluate(
        "() => { const f = document.querySelector('[data-botcheck-token]');"
        " f.value = f.dataset.botcheckToken; window.jobwizardBotcheckSolved(); }"
    )
    expect(pay).to_be_enabled()
    expect(pay).to_have_text(re.compile(r"^Pay "))


def test_while_a_step_is_sent_the_panel_is_busy_then_the_new_step_is_in_view(page, app):
    start_posting(page, app)
    complete_steps(page, "details")
    held = []
    # The job page's Continue (the draft's autosave, a plain fetch, goes through).
    page.route(
        re.compile(r"/details/\?page=job$"),
        lambda route: (
            route.continue_()
            if "autosave" in (route.request.post_data or "")
            else held.append(route)
        ),
    )
    answers = FLOW["details"].example_answers
    for field in ("company_name", "title", "employment_type", "description"):
        value = answers[field]
        target = page.locator(f'[name="{field}"]')
        if target.first.get_attribute("type") == "radio":
            page.locator(f'[name="{field}"][value="{value}"]').check()
        elif target.first.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    page.get_by_role("button", name="Continue", exact=True).click()

    panel = page.locator("#step-panel")
    expect(panel).to_have_attribute("aria-busy", "true")
    pressed = page.locator("button.button--busy")
    expect(pressed).to_have_text("Continue")
    expect(pressed).to_be_disabled()
    expect(page.get_by_role("button", name="Finish later")).to_be_disabled()
    logo_link = page.get_by_role("navigation", name="Progress").get_by_role("link").first
    expect(logo_link).to_have_attribute("aria-disabled", "true")
    expect(logo_link).to_have_css("pointer-events", "none")
    spin = pressed.evaluate("e => getComputedStyle(e, '::before').animationName")
    assert spin == "button-spin"
    page.screenshot(path=screenshot_path("details-in-flight"), caret="initial")

    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    held[0].continue_()
    expect(page).to_have_url(re.compile(r"/details/\?page=where$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the work is")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.get_by_role("navigation", name="Progress")).to_be_in_viewport()
    expect(panel).not_to_have_attribute("aria-busy", "true")


def test_the_busy_spinner_keeps_still_for_reduced_motion(browser, app):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    start_posting(page, app)
    page.evaluate(
        "() => document.querySelector('#step-panel button').classList.add('button--busy')"
    )
    spin = page.locator("button.button--busy").evaluate(
        "e => getComputedStyle(e, '::before').animationName"
    )
    assert spin == "none"
    context.close()


def test_on_a_phone_the_progress_is_one_line_and_one_bar(browser, app):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    start_posting(page, app)
    complete_steps(page, "details")
    count = page.locator(".progress__count")
    expect(count).to_have_text(re.compile(r"^Step 2 of \d · Details$"))
    line = float(count.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert count.bounding_box()["height"] <= line * 1.2  # one line
    expect(page.locator(".progress__bar")).to_be_visible()
    expect(page.locator(".progress__steps")).to_be_hidden()
    page.screenshot(path=screenshot_path("progress-phone"), caret="initial")
    back = page.get_by_role("link", name=f"Back to {FLOW.steps[0].title}")
    expect(back).to_be_visible()  # the way back, with the list of steps hidden

    page.set_viewport_size(DESKTOP)
    expect(page.locator(".progress__bar")).to_be_hidden()
    expect(back).to_be_hidden()
    done = page.get_by_role("navigation", name="Progress").get_by_role("link").first
    expect(done.locator(".progress__title")).to_have_css("text-decoration-line", "underline")
    page.screenshot(path=screenshot_path("progress-desktop"), caret="initial")
    page.set_viewport_size(PHONE)
    back.click()
    expect_step(page, FLOW.steps[0].name)
    context.close()


def test_the_start_page_lists_the_steps_of_the_flow(page, app):
    page.goto(app.url + "/post/")
    titles = [step.title for step in FLOW.counted(JobPosting())]
    expect(page.locator(".overview li")).to_have_text(titles)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshot_path("start-phone"), full_page=True, caret="initial")
