"""A description written in Markdown, in Chromium: the job page shows its list, bold text,
heading and link, at desktop and phone widths, runs nothing the employer typed, and the
wizard's review step shows it the same way; with screenshots."""

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.e2e.walk import complete_steps
from tests.integration.test_board import publish

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = """\
# About the role

You will **own** our *payments* code, end to end.

- Python and Django, with `pytest`
- PostgreSQL and a little SQL tuning
- Kind code reviews

1. Send us your CV
2. Talk to the team

See [our team page](https://acme.example/team).

<script>alert("typed script")</script> <img src=x onerror="alert('typed image')">
[not a link](javascript:alert('typed link'))"""

SIZES = [(1280, 900), (390, 844)]


def watch(page):
    """Console errors (a CSP refusal is one) and dialogs (an alert() that ran)."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    page.on("dialog", lambda d: (seen.append(f"dialog: {d.message}"), d.dismiss()))
    return seen


def assert_rendered(description):
    items = description.locator("ul > li")
    expect(items).to_have_count(3)
    expect(items.first).to_have_text("Python and Django, with pytest")
    expect(description.locator("ol > li")).to_have_text(["Send us your CV", "Talk to the team"])
    bold = description.locator("strong")
    expect(bold).to_have_text("own")
    assert int(bold.evaluate("e => getComputedStyle(e).fontWeight")) >= 600
    expect(description.get_by_role("heading", level=3)).to_have_text("About the role")
    link = description.get_by_role("link", name="our team page")
    expect(link).to_have_attribute("href", "https://acme.example/team")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")
    expect(description.locator("script, img, [onerror]")).to_have_count(0)
    expect(description).to_contain_text('<script>alert("typed script")</script>')
    expect(description).to_contain_text("[not a link](javascript:alert('typed link'))")
    assert "**" not in description.inner_text()


@pytest.mark.parametrize("width,height", SIZES, ids=["desktop", "phone"])
def test_the_job_page_shows_the_markdown(browser, live_server, width, height):
    posting = publish("Payments Engineer", description=DESCRIPTION)
    page = browser.new_page(viewport={"width": width, "height": height})
    seen = watch(page)
    page.goto(f"{live_server.url}/jobs/{posting.slug}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Payments Engineer")
    assert_rendered(page.locator(".job__description"))
    # Readable at this width: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(
        path=screenshot_path(f"markdown-job-page-{width}"), full_page=True, caret="initial"
    )
    assert seen == []
    page.close()


def test_the_review_step_shows_it_as_the_board_will(browser, app):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    seen = watch(page)
    page.goto(app.url + "/post/")
    page.get_by_role("button", name="Start my posting").click()
    page.get_by_role("button", name="Continue without a logo").click()
    expect(page.get_by_text("Markdown: **bold**, *italic*")).to_be_visible()
    complete_steps(
        page, "payment", details={"title": "Payments Engineer", "description": DESCRIPTION}
    )

    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()
    assert_rendered(page.locator(".description"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(
        path=screenshot_path("markdown-review-step-390"), full_page=True, caret="initial"
    )
    assert seen == []
    page.close()


SECTIONS = (
    "## About the role\n\nYou will own our API.\n\n## About you\n\nKind.\n\n#### Perks\n\n- Remote"
)


@pytest.mark.parametrize("width,height", SIZES, ids=["desktop", "phone"])
def test_the_employers_headings_keep_the_pages_heading_order(browser, live_server, width, height):
    """`##` sections (the usual way employers write them) sit under the page's own h2:
    axe finds no heading-order problem, of any impact."""
    posting = publish("Payments Engineer", description=SECTIONS)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{live_server.url}/jobs/{posting.slug}/")

    description = page.locator(".job__description")
    expect(description.get_by_role("heading", level=3)).to_have_text(
        ["About the role", "About you"]
    )
    expect(description.get_by_role("heading", level=4)).to_have_text("Perks")
    page.evaluate(AXE_SCRIPT)
    found = page.evaluate("() => axe.run(document, {runOnly: ['heading-order']})")
    assert found["violations"] == []
    assert found["passes"], "axe checked the heading order"
    page.screenshot(
        path=screenshot_path(f"markdown-job-headings-{width}"), full_page=True, caret="initial"
    )
    page.close()
