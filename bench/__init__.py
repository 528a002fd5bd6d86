"""The benchmark of issue 11 (`make bench`): see bench/__main__.py and docs/performance.md.
Not part of the app: nothing under wizard/ or config/ imports it."""


def slug(name):
    """An endpoint's name as a file name: "details POST (htmx)" -> "details-post--htmx"."""
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
