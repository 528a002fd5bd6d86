"""The plain-text part of an email, made from its HTML part, so the two never drift apart.

Paragraphs become single lines (mail clients wrap them; nothing is hard-wrapped mid
sentence), with a blank line between them; list items start with "- "; a table row reads
"Heading: value"; a link reads "text (address)", or its address alone when that is its
text; a button (a link marked `data-button`) gets a line of its own, "Label: address".
What is in <head> is left out.
"""

from html.parser import HTMLParser

BLOCKS = {"p", "div", "h1", "h2", "h3", "ul", "ol", "table", "blockquote", "hr"}
SKIPPED = {"head", "style", "script", "title"}


class _TextMaker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = []  # finished lines; "" is a blank line between blocks
        self.words = []  # the line being read
        self.skipping = 0
        self.links = []  # (href, is a button, index in words where its text starts)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self._end_block()
        elif tag in ("br", "tr"):
            self._end_line()
        elif tag == "li":
            self._end_line()
            self.words.append("- ")
        elif tag == "a":
            self.links.append((attrs.get("href", ""), "data-button" in attrs, len(self.words)))

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping -= 1
        elif tag in BLOCKS:
            self._end_block()
        elif tag in ("li", "tr"):
            self._end_line()
        elif tag == "th":
            self.words.append(": ")
        elif tag == "td":
            self.words.append(" ")
        elif tag == "a" and self.links:
            self._end_link(*self.links.pop())

    def handle_data(self, data):
        if not self.skipping:
            self.words.append(data)

    def _end_link(self, href, button, start):
        text = " ".join("".join(self.words[start:]).split())
        if not href or href == text:
            return
        if button:
            del self.words[start:]
            self._end_line()
            self.words.append(f"{text}: {href}" if text else href)
            self._end_line()
        else:
            self.words.append(f" ({href})" if text else href)

    def _end_line(self):
        line = " ".join("".join(self.words).split())
        self.words = []
        if line:
            self.lines.append(line)

    def _end_block(self):
        self._end_line()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self):
        self.close()
        self._end_line()
        return "\n".join(self.lines).strip() + "\n"


def html_to_text(html):
    maker = _TextMaker()
    maker.feed(html)
    return maker.text()
