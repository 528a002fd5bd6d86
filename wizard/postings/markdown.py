"""The description's format: what employers may write, and how it is shown.

Employers write Markdown (CommonMark): paragraphs, line breaks, **bold**, *italic*,
bulleted and numbered lists, links, headings, block quotes and `code`. Everything that
shows a description goes through this module: the job page, the wizard's review step
and the admin (the `markdown` template filter), the JSON-LD for Google and the Atom
feed (`render_html`), and plain-text snippets such as the page's meta description
(`render_text`).

Two layers keep it safe, each enough on its own for what it covers:

1. markdown-it-py parses with raw HTML off, so any HTML in the text is escaped and shown
   as typed, never passed through; links must be http, https or mailto (anything else
   stays plain text); images are shown as their alt text (no third-party requests from
   our pages); headings become h3/h4 under the page's own h1/h2, by rank (see
   `demote_headings`).
2. nh3 (ammonia) then cleans the HTML against an allow-list of tags and attributes, the
   same URL schemes (relative URLs are dropped), and gives every link
   rel="nofollow ugc noopener".

Rendering is memoised on the text: published descriptions do not change, and the board's
job pages and feed are hot.
"""

import html
import re
from functools import lru_cache

import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

# Said to the employer next to the description field (rendered as HTML by Django's field
# template, so keep it free of < and &).
SYNTAX_HELP = (
    "You can use Markdown: **bold**, *italic*, lists (start lines with - or 1.), "
    "links as [text](https://…) and headings (#). HTML and images are not shown."
)

URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4"}
    | {"blockquote", "code", "pre", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# The employer's headings go under the page's own h1 and h2: as h3 and h4, no deeper.
TOP_LEVEL, DEEPEST_LEVEL = 3, 4
CACHE_SIZE = 256  # descriptions are at most 10,000 characters: a few MB at worst

_ALLOWED_LINK = re.compile(r"(?:https?:|mailto:)", re.IGNORECASE)


def _allowed_link(url):
    return bool(_ALLOWED_LINK.match(url.strip()))


def _image_as_text(renderer, tokens, idx, options, env):
    """No images: an image is shown as its alt text."""
    return escapeHtml(renderer.renderInlineAsText(tokens[idx].children or [], options, env))


def _parser():
    md = MarkdownIt(
        "commonmark",
        {
            "html": False,  # raw HTML is escaped, not passed through
            "breaks": True,  # a single newline is a line break, as employers expect
            "linkify": False,
            "typographer": False,
            "xhtmlOut": False,
        },
    )
    md.disable(["html_block", "html_inline"])
    md.validateLink = _allowed_link
    md.add_render_rule("image", _image_as_text)
    return md


_md = _parser()
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


@lru_cache(maxsize=CACHE_SIZE)
def render_html(text: str) -> SafeString:
    """`text` (the employer's Markdown) as sanitised HTML, safe to show as it is."""
    if not text:
        return mark_safe("")
    tokens = _md.parse(text)
    demote_headings(tokens)
    return mark_safe(sanitise(_md.renderer.render(tokens, _md.options, {})).strip())


def demote_headings(tokens):
    """Give the headings their levels on the page, by rank rather than by number: the
    shallowest level the employer used becomes h3 and every deeper one h4 ("## A" then
    "#### B" is h3 then h4), and no heading is more than one level below the one before
    it (a description that opens with its deeper level starts at h3), so that the page's
    heading order never skips a level."""
    used = sorted({token.tag for token in tokens if token.type == "heading_open"})
    by_rank = {tag: min(TOP_LEVEL + rank, DEEPEST_LEVEL) for rank, tag in enumerate(used)}
    previous = TOP_LEVEL - 1  # the page's own h2 before the description
    for token in tokens:
        if token.type == "heading_open":
            previous = min(by_rank[token.tag], previous + 1)
            token.tag = f"h{previous}"
        elif token.type == "heading_close":  # headings do not nest: it closes `previous`
            token.tag = f"h{previous}"


def sanitise(fragment: str) -> str:
    """An HTML fragment cut down to the allow-list: the second layer, behind the parser."""
    return _cleaner.clean(fragment)


@lru_cache(maxsize=CACHE_SIZE)
def render_text(text: str) -> str:
    """`text` as plain text on one line, Markdown gone (for snippets and meta tags).

    Not safe HTML: it holds what the reader sees, < and & included, so templates escape it.
    """
    return " ".join(html.unescape(strip_tags(render_html(text))).split())
