"""The description's Markdown wherever it is shown: the job page, its JSON-LD and meta
description, the feed, the wizard's review step and the admin; and nothing executable."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from tests.integration.test_board import ATOM, Scripts, job_url, jsonld_of, publish
from tests.walk import walk_to
from wizard.models import JobPosting, Status
from wizard.postings.markdown import SYNTAX_HELP, render_html

pytestmark = pytest.mark.django_db

MARKDOWN = """\
# About the role

You will **own** our *payments* code.

- Python and Django
- PostgreSQL

1. Apply
2. Talk to us

See [our team](https://acme.example/team) & use `pytest`."""

REL = 'rel="nofollow ugc noopener"'

HOSTILE = """\
Hello <script>alert("script")</script>

<img src=x onerror="alert('img')">

<a href="javascript:alert('raw link')" onclick="alert('click')">raw link</a>

[md link](javascript:alert('md link')) [data](data:text/html;base64,PHNjcmlwdD4=)

![pixel](https://tracker.example/pixel.png) </script><!--"""


class Everything(HTMLParser):
    """Every element of a page and its attributes."""

    def __init__(self, text):
        super().__init__()
        self.elements = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_nothing_executable(page):
    """No script but the app's own (src=) and the JSON-LD data block; no event handler; no
    javascript:, data: or image from the description."""
    for script in Scripts(page).scripts:
        attrs = script["attrs"]
        assert attrs.get("src") or attrs.get("type") == "application/ld+json", script
    for tag, attrs in Everything(page).elements:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
        assert tag not in ("iframe", "object", "embed", "svg")
        if tag == "img":
            assert "tracker.example" not in attrs.get("src", "")


def test_the_job_page_renders_the_markdown(client):
    posting = publish(description=MARKDOWN)
    page = client.get(job_url(posting)).text

    description = page.split('<div class="job__description prose">', 1)[1].split("</div>")[0]
    assert description == (
        "<h3>About the role</h3>\n"
        "<p>You will <strong>own</strong> our <em>payments</em> code.</p>\n"
        "<ul>\n<li>Python and Django</li>\n<li>PostgreSQL</li>\n</ul>\n"
        "<ol>\n<li>Apply</li>\n<li>Talk to us</li>\n</ol>\n"
        f'<p>See <a href="https://acme.example/team" {REL}>our team</a> &amp; use '
        "<code>pytest</code>.</p>"
    )
    assert "**" not in page
    # A snippet for search engines: the text readers see, Markdown gone, escaped.
    [meta] = re.findall(r'<meta name="description" content="([^"]*)">', page)
    assert meta == (
        "About the role You will own our payments code. Python and Django PostgreSQL Apply "
        "Talk to us See our team &amp; use pytest."
    )


def test_the_json_ld_and_the_feed_carry_the_same_html(client):
    posting = publish(description=MARKDOWN)
    script, data = jsonld_of(client.get(job_url(posting)))
    assert data["description"] == render_html(MARKDOWN)
    assert "<ul>\n<li>Python and Django</li>" in data["description"]
    assert "<" not in script["text"] and ">" not in script["text"] and "&" not in script["text"]

    feed = ET.fromstring(client.get("/jobs/feed/").content)
    assert feed.find(f"{ATOM}entry/{ATOM}summary").text == render_html(MARKDOWN)


def test_a_hostile_description_leaves_nothing_executable_on_the_job_page(client):
    posting = publish(description=HOSTILE, title="Hostile <script>alert('title')</script>")
    response = client.get(job_url(posting))
    page = response.text

    assert_nothing_executable(page)
    # What was typed is shown as text; the links and the image are not made.
    assert '<p>Hello &lt;script&gt;alert("script")&lt;/script&gt;</p>' in page
    assert "<p>&lt;img src=x onerror=\"alert('img')\"&gt;</p>" in page
    assert "<p>[md link](javascript:alert('md link')) [data](data:text/html;" in page
    assert "<p>pixel &lt;/script&gt;&lt;!--</p>" in page and "tracker.example" not in page
    # The JSON-LD holds the same sanitised HTML, and its script cannot be closed early.
    script, data = jsonld_of(response)
    assert data["description"] == render_html(HOSTILE)
    assert not re.search(r"<[a-z/!]", script["text"], re.I)
    assert_nothing_executable(data["description"])
    # The CSP would stop an inline script all the same; it is still there.
    assert "script-src" in response["Content-Security-Policy"]


def test_the_details_form_says_what_is_allowed(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    page = client.get(step_url("details", posting)).text
    assert "You can use Markdown: **bold**, *italic*, lists" in page
    assert SYNTAX_HELP in page
    assert 'aria-describedby="id_description_helptext"' in page


def test_the_review_step_shows_the_description_as_the_board_will(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.post(step_url("details", posting), {**VALID_DETAILS, "description": MARKDOWN})
    assert response.status_code == 302
    posting = walk_to(client, posting, "payment")
    page = client.get(step_url("payment", posting)).text
    assert f'<div class="description prose">{render_html(MARKDOWN)}</div>' in page
    assert JobPosting.objects.get().description == MARKDOWN  # stored as typed


def test_the_review_step_neutralises_a_hostile_description(client):
    posting = posting_at(Status.READY_TO_PAY, description=HOSTILE)
    own(client, posting)
    page = client.get(step_url("payment", posting)).text
    assert f'<div class="description prose">{render_html(HOSTILE)}</div>' in page
    assert_nothing_executable(page)


def test_the_admin_previews_the_description_as_readers_will_see_it(admin_client):
    posting = posting_at(Status.IN_REVIEW, description=MARKDOWN + "\n\n<script>alert(1)</script>")
    page = admin_client.get(f"/admin/wizard/jobposting/{posting.pk}/change/").text
    assert "As shown on the board" in page
    assert "<ul>\n<li>Python and Django</li>" in page
    assert f'<a href="https://acme.example/team" {REL}>our team</a>' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
