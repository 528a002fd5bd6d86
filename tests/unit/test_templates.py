"""Template mistakes that render silently: Django's {# … #} comment ends on its line."""

from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "templates").rglob("*.*"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_comment_spans_lines(template):
    for number, line in enumerate(template.read_text().splitlines(), start=1):
        if "{#" in line:
            where = f"{template.name}:{number}: a comment over several lines needs {{% comment %}}"
            assert "#}" in line[line.index("{#") :], where
