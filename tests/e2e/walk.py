"""The one walk through the wizard in a browser: each step is filled from its own example
answers (Step.example_answers), in the order the flow leads, so that a step added to the
flow needs no change in the browser tests."""

import re

from playwright.sync_api import expect

from tests.conftest import step_counter
from wizard.flow.order import FLOW
from wizard.models import JobPosting

STEP_URL = re.compile(r"/post/(?P<posting>[0-9a-f-]{36})/(?P<step>[a-z_]+)/(\?.*)?$")


def shown(page):
    """(posting, step name) of the step the page shows, read from its URL."""
    match = STEP_URL.search(page.url)
    assert match, page.url
    return JobPosting.objects.get(pk=match["posting"]), match["step"]


def expect_step(page, name):
    """The page shows step `name`: its URL, its title marked current in the progress bar,
    and the "Step N of M" the flow gives it (a page that is not counted has no progress)."""
    expect(page).to_have_url(re.compile(rf"/post/[0-9a-f-]{{36}}/{name}/(\?.*)?$"))
    progress = page.get_by_role("navigation", name="Progress")
    if not FLOW[name].counts_as_step:  # the confirmation: a page, not a step
        expect(progress).to_have_count(0)
        return
    expect(progress.locator('[aria-current="step"]')).to_contain_text(FLOW[name].title)
    posting, _ = shown(page)
    expect(progress).to_contain_text(step_counter(name, posting))


def fill_in(page, name, **answers):
    """Send step `name`'s form with its example answers (`answers` change some): a text is
    typed, a choice chosen, a radio button checked; a button's name presses that button,
    else the form's main button is pressed. A step on several pages (or one that shows
    more fields once a choice is made) gets, page after page, the answers it asks for,
    until the browser leaves the step."""
    answers = {**FLOW[name].example_answers, **answers}
    for _ in range(6):
        fill_page(page, answers)
        if not re.search(rf"/{name}/(\?.*)?$", page.url):
            return
    raise AssertionError(f"The walk stayed on {name}.")


def fill_page(page, answers):
    """Fill the fields of `answers` this page shows, press its button, and wait for the
    next page (a new panel)."""
    panel = page.locator("#step-panel")
    button = panel.locator(".button--primary").first
    for field_name, value in answers.items():
        named = f'[name="{field_name}"]'
        if panel.locator(f"button{named}").count():
            button = panel.locator(f"button{named}").first
        elif panel.locator(f"input[type=radio]{named}").count():
            panel.locator(f'{named}[value="{value}"]').check()
            # A choice may bring more fields (htmx): let it arrive before pressing on.
            expect(page.locator(".htmx-request")).to_have_count(0)
        elif panel.locator(f"select{named}:visible").count():
            panel.locator(f"select{named}").select_option(value)
        elif panel.locator(f"select{named}").count():  # a country picker's checkboxes
            for code in [value] if isinstance(value, str) else value:
                panel.locator(f'input[type=checkbox][value="{code}"]').check()
        elif panel.locator(f"{named}:visible").count():
            panel.locator(named).fill(value)
    panel.evaluate("panel => panel.setAttribute('data-walked', '')")
    button.click()
    expect(page.locator("#step-panel:not([data-walked])")).to_be_attached()
    page.wait_for_load_state()


def complete_steps(page, until, *, after=None, **answers):
    """From the step the page shows (once it has left step `after`, just sent), complete
    each with its example answers until the page shows step `until`; `answers` change
    some, by step name (details={"title": …})."""
    if after is not None:
        expect(page).not_to_have_url(re.compile(rf"/{after}/(\?.*)?$"))
    for _ in FLOW.steps:
        _, name = shown(page)
        if name == until:
            expect_step(page, until)
            return
        fill_in(page, name, **answers.get(name, {}))
    raise AssertionError(f"The walk did not reach {until}.")
