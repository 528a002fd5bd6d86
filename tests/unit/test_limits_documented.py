"""Every limit the app counts is in docs/configuration.md's table, with its setting and
its default as the settings give it."""

from pathlib import Path

from django.conf import settings

from wizard import limits

CONFIGURATION = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def limits_table():
    text = CONFIGURATION.read_text()
    section = text.split("## Limits", 1)[1].split("\nFixed in", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]


def test_every_counted_limit_is_in_the_table_with_its_default():
    rows = limits_table()
    for limit in limits.LIMITS:
        (row,) = [row for row in rows if f"`{limit.name}`" in row]
        assert f"`{limit.setting}`" in row, limit
        default = getattr(settings, limit.setting)
        window = {limits.HOUR: "an hour", limits.DAY: "in 24 hours", limits.MONTH: "in 30 days"}[
            limit.window
        ]
        assert f"| {default} {window} |" in row, (limit, row)
        assert limit.per in row, limit
