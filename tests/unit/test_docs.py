"""The documentation stays true to the code in what a test can check: every environment
variable the settings read is in docs/configuration.md, and every link between the
README and the docs/ pages leads to a file that exists."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
READERS = {"get", "getenv", "env_bool", "env_count", "env_list", "env_renamed"}


def variables_read(path):
    """Names passed as strings to os.environ.get and the settings' env_* helpers."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if called not in READERS:
                continue
            for arg in node.args[:2]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if re.fullmatch(r"[A-Z][A-Z0-9_]+", arg.value):
                        names.add(arg.value)
    return names


def test_every_variable_the_settings_read_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text()
    read = variables_read(ROOT / "config" / "settings.py") | variables_read(
        ROOT / "gunicorn.conf.py"
    )
    assert {"DATABASE_URL", "FINISH_LATER_LINK_MAX_AGE_DAYS", "WEB_WORKERS"} <= read
    assert not {name for name in read if f"`{name}`" not in documented}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_between_pages_leads_to_a_file(page):
    targets = re.findall(r"\]\(([^)\s]+)\)", page.read_text())
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and t[0] != "#"]
    assert not [t for t in local if not (page.parent / t).exists()]
