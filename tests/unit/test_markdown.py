"""The description's Markdown (wizard.postings.markdown): what renders, and what never does."""

import re
import time
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from wizard.postings import markdown
from wizard.postings.markdown import render_html, render_text, sanitise

REL = 'rel="nofollow ugc noopener"'


class Elements(HTMLParser):
    """Every element of an HTML fragment: (tag, {attribute: value})."""

    def __init__(self, text):
        super().__init__()
        self.elements = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_only_the_allow_list(html):
    """Nothing outside the allow-list: tags, attributes, link schemes; no handler, no image."""
    for tag, attrs in Elements(html).elements:
        assert tag in markdown.ALLOWED_TAGS, (tag, html)
        allowed = markdown.ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        assert set(attrs) <= allowed, (tag, attrs, html)
        if tag == "a":
            assert attrs["rel"] == "nofollow ugc noopener"
            if "href" in attrs:
                assert attrs["href"].split(":", 1)[0].lower() in markdown.URL_SCHEMES, attrs


# --- What renders ------------------------------------------------------------------------


def test_paragraphs_and_line_breaks():
    assert render_html("One\nline two.\n\nA paragraph.") == (
        "<p>One<br>\nline two.</p>\n<p>A paragraph.</p>"
    )


def test_bold_italic_and_inline_code():
    assert render_html("**Bold**, *italic*, __also__, _this_ and `x < y`.") == (
        "<p><strong>Bold</strong>, <em>italic</em>, <strong>also</strong>, <em>this</em> "
        "and <code>x &lt; y</code>.</p>"
    )


def test_bulleted_and_numbered_lists():
    assert render_html("You will:\n\n- build\n- **ship**\n\n3. three\n4. four") == (
        "<p>You will:</p>\n<ul>\n<li>build</li>\n<li><strong>ship</strong></li>\n</ul>\n"
        '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'
    )


def test_links_are_nofollow_ugc_noopener():
    html = render_html(
        '[Careers](https://acme.example/careers?a=1&b=2 "Our team"), '
        "<https://acme.example/> and [mail us](mailto:jobs@acme.example)"
    )
    assert html == (
        f'<p><a href="https://acme.example/careers?a=1&amp;b=2" title="Our team" {REL}>Careers</a>'
        f', <a href="https://acme.example/" {REL}>https://acme.example/</a> and '
        f'<a href="mailto:jobs@acme.example" {REL}>mail us</a></p>'
    )


def test_headings_are_demoted_below_the_pages_own():
    html = render_html("# About us\n\n## The role\n\n### Perks\n\n###### Small print")
    assert html == ("<h3>About us</h3>\n<h4>The role</h4>\n<h4>Perks</h4>\n<h4>Small print</h4>")
    assert render_html("Setext\n===") == "<h3>Setext</h3>"


def heading_levels(html):
    return re.findall(r"<(h\d)>", html)


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        # The shallowest level used is h3 whatever its number: ## alone is not an h4.
        ("## The role\n\nText", ["h3"]),
        ("### Only deep ones\n\n### Another", ["h3", "h3"]),
        # By rank, not by number: ## then #### is h3 then h4, not h4 then h6.
        ("## A\n\n#### B\n\n## C\n\n#### D", ["h3", "h4", "h3", "h4"]),
        # Three ranks: the deeper two share h4 (never below the page's h4).
        ("# A\n\n### B\n\n###### C", ["h3", "h4", "h4"]),
        # Opening with the deeper level: never more than one below the one before.
        ("#### Deeper first\n\n## Then shallower\n\n#### Deeper", ["h3", "h3", "h4"]),
        ("> ## Quoted heading\n\n# Top", ["h3", "h3"]),
    ],
)
def test_heading_levels_go_by_rank_and_never_skip(text, levels):
    assert heading_levels(render_html(text)) == levels


def test_headings_close_at_their_own_level():
    assert render_html("## A\n\n#### B") == "<h3>A</h3>\n<h4>B</h4>"


def test_quotes_rules_and_code_blocks():
    html = render_html("> Quoted\n\n---\n\n```html\n<b>shown as typed</b>\n```")
    assert html == (
        "<blockquote>\n<p>Quoted</p>\n</blockquote>\n<hr>\n"
        "<pre><code>&lt;b&gt;shown as typed&lt;/b&gt;\n</code></pre>"
    )  # the fence's language class is not on the allow-list


def test_an_empty_description_renders_to_nothing():
    assert render_html("") == ""
    assert isinstance(render_html("Hi"), SafeString)


def test_rendering_is_memoised():
    text = "A description seen for the first time, **once**."
    first = render_html(text)
    assert render_html(text) is first
    assert render_text(text) is render_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000,
        "*a " * 3_333,
        "> " * 5_000,
        "[a](" * 2_500,
        ("*" * 50 + "a" + "_" * 50) * 99,
        "**_[`<" * 1_666,
    ],
    ids=["brackets", "emphasis", "quotes", "links", "nested", "mixed"],
)
def test_hostile_descriptions_of_the_longest_kind_render_quickly(text):
    started = time.perf_counter()
    assert_only_the_allow_list(render_html(text[:10_000]))
    assert time.perf_counter() - started < 2


# --- What never renders --------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)" onclick="alert(1)">x</a>',
    "<div onmouseover=alert(1)>hover</div>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
    "<!-- comment --><b>raw</b>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#115;cript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x](/admin/)",
    "[x](//evil.example/)",
    "<javascript:alert(1)>",
    "![x](https://tracker.example/pixel.png)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '![x" onerror="alert(1)](https://x.example/a.png)',
    '[x](https://x.example/" onmouseover="alert(1))',
    '[x](https://x.example/ "t\\" onmouseover=\\"alert(1)")',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_neutralised(text):
    html = render_html(text)
    assert_only_the_allow_list(html)
    lowered = html.lower()
    for needle in ("<script", "<img", "<iframe", "<style", "<svg", "<div", "<!--"):
        assert needle not in lowered
    for _, attrs in Elements(html).elements:  # a title may say anything: it is only text
        href = attrs.get("href", "").lower()
        assert not any(s in href for s in ("script:", "data:", "file:", "alert"))


def test_raw_html_is_shown_as_typed_not_run():
    assert render_html("<script>alert(1)</script>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert render_html('<img src=x onerror="alert(1)">') == (
        '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'
    )


def test_a_link_with_another_scheme_stays_plain_text():
    assert render_html("[click](javascript:alert(1))") == "<p>[click](javascript:alert(1))</p>"
    assert render_html("[home](/jobs/)") == "<p>[home](/jobs/)</p>"


def test_images_are_shown_as_their_alt_text():
    assert render_html("Our office: ![a *sunny* room](https://img.example/office.jpg)") == (
        "<p>Our office: a sunny room</p>"
    )


@pytest.mark.parametrize(
    "fragment,expected",
    [
        ("<script>alert(1)</script><p>kept</p>", "<p>kept</p>"),
        ('<img src="x" onerror="alert(1)">', ""),
        ('<a href="javascript:alert(1)" onclick="alert(1)">x</a>', f"<a {REL}>x</a>"),
        ('<a href="data:text/html,hi">x</a>', f"<a {REL}>x</a>"),
        ('<a href="/relative">x</a>', f"<a {REL}>x</a>"),
        (
            '<a href="https://x.example/" target="_blank" rel="opener">x</a>',
            f'<a href="https://x.example/" {REL}>x</a>',
        ),
        ('<h1 class="big" style="color:red" id="top">T</h1>', "T"),
        ("<p onclick=alert(1)>p</p>", "<p>p</p>"),
        ("<iframe src=https://x.example></iframe><form><input></form>", ""),
        ("<!-- hidden -->shown", "shown"),
    ],
)
def test_the_sanitiser_alone_holds_the_allow_list(fragment, expected):
    """The second layer: were the parser ever to let HTML through, nh3 still cuts it."""
    assert sanitise(fragment) == expected


# --- Plain text ------------------------------------------------------------------------------


def test_plain_text_drops_the_markdown():
    text = render_text(
        "# About us\n\nWe are **R&D** at *Acme*.\n\n- Python\n- [Django](https://x.example)\n\n"
        "Shown as typed: <b>not bold</b>"
    )
    assert text == "About us We are R&D at Acme. Python Django Shown as typed: <b>not bold</b>"
    assert not isinstance(text, SafeString)  # templates escape it


def test_the_template_filters():
    template = Template(
        '{% load board %}<div>{{ d|markdown }}</div><meta content="{{ d|markdown_text }}">'
    )
    out = template.render(Context({"d": "**Hi** <script>x</script>"}))
    assert out == (
        "<div><p><strong>Hi</strong> &lt;script&gt;x&lt;/script&gt;</p></div>"
        '<meta content="Hi &lt;script&gt;x&lt;/script&gt;">'
    )
