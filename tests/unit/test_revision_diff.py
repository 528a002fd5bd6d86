"""The description's line diff staff read: removed and added lines in place, unchanged
lines kept next to each change and the long runs between folded."""

from wizard.admin.revision_diff import CONTEXT_LINES, Line, in_words, line_diff


def kinds(lines):
    return [(line.kind, line.text) for line in lines]


def test_a_line_added_at_the_end_keeps_the_short_text_before_it():
    assert kinds(line_diff("One.\nTwo.", "One.\nTwo.\nThree.")) == [
        ("same", "One."),
        ("same", "Two."),
        ("added", "Three."),
    ]


def test_a_changed_line_is_removed_then_added():
    assert kinds(line_diff("One.\nTwo.\nThree.", "One.\n2.\nThree.")) == [
        ("same", "One."),
        ("removed", "Two."),
        ("added", "2."),
        ("same", "Three."),
    ]


def test_long_unchanged_runs_are_folded_around_the_context():
    before = "\n".join(f"Line {n}" for n in range(20))
    after = before.replace("Line 10", "Line ten")
    lines = line_diff(before, after)
    assert lines[0] == Line("folded", f"{10 - CONTEXT_LINES} unchanged lines")
    assert [line.text for line in lines[1:3]] == ["Line 8", "Line 9"]
    assert kinds(lines[3:5]) == [("removed", "Line 10"), ("added", "Line ten")]
    assert [line.text for line in lines[5:7]] == ["Line 11", "Line 12"]
    assert lines[7] == Line("folded", f"{20 - 11 - CONTEXT_LINES} unchanged lines")
    assert len(lines) == 8


def test_values_are_shown_in_words():
    assert in_words("employment_type", "full_time") == "Full-time"
    assert in_words("country", "DE") == "Germany"
    assert in_words("applicant_countries", ["DE", "FR"]) == "Germany, France"
    assert in_words("salary_min", None) == "(none)"
