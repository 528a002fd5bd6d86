"""What an employer's pending edit changes, as staff review it: each changed field with
its live and proposed value in words, and the description as a line diff (difflib). The
values are plain text: the template escapes them."""

import difflib
from dataclasses import dataclass, field

from django_countries import countries

from wizard.postings.models import Currency, EmploymentType, JobPosting, Workplace
from wizard.postings.revisions import REVISED_FIELDS, values_of

CHOICES = {
    "employment_type": dict(EmploymentType.choices),
    "workplace": dict(Workplace.choices),
    "salary_currency": dict(Currency.choices),
}
# A description's unchanged lines shown around each change; longer runs are folded.
CONTEXT_LINES = 2


@dataclass(frozen=True)
class Line:
    kind: str  # "same", "removed", "added" or "folded" (unchanged lines left out)
    text: str


@dataclass(frozen=True)
class Change:
    name: str
    label: str
    live: str
    proposed: str
    lines: list = field(default_factory=list)  # the description's line diff


def changes(posting, revision):
    """The fields the revision changes, in the form's order."""
    live, proposed = values_of(posting), {**values_of(posting), **revision.values}
    found = []
    for name in REVISED_FIELDS:
        if live[name] == proposed[name]:
            continue
        label = str(JobPosting._meta.get_field(name).verbose_name).capitalize()
        before, after = in_words(name, live[name]), in_words(name, proposed[name])
        lines = line_diff(live[name], proposed[name]) if name == "description" else []
        found.append(Change(name, label, before, after, lines))
    return found


def in_words(name, value):
    if value in (None, "", []):
        return "(none)"
    if name in CHOICES:
        return CHOICES[name].get(value, value)
    if name == "country":
        return countries.name(value) or value
    if name == "applicant_countries":
        return ", ".join(countries.name(code) or code for code in value)
    return str(value)


def line_diff(before, after):
    """The description's lines: unchanged, removed or added, with long unchanged runs
    folded to CONTEXT_LINES around each change."""
    old, new = before.splitlines(), after.splitlines()
    lines = []
    opcodes = difflib.SequenceMatcher(None, old, new).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            around = {"after_change": index > 0, "before_change": index < len(opcodes) - 1}
            lines.extend(_folded(old[i1:i2], **around))
            continue
        lines.extend(Line("removed", text) for text in old[i1:i2])
        lines.extend(Line("added", text) for text in new[j1:j2])
    return lines


def _folded(same, *, after_change, before_change):
    """A run of unchanged lines: the CONTEXT_LINES next to a change, the rest folded."""
    head_count = CONTEXT_LINES if after_change else 0
    tail_count = CONTEXT_LINES if before_change else 0
    if len(same) <= head_count + tail_count + 1:
        return [Line("same", text) for text in same]
    head = [Line("same", text) for text in same[:head_count]]
    tail = [Line("same", text) for text in same[len(same) - tail_count :]] if tail_count else []
    folded = len(same) - len(head) - len(tail)
    return [*head, Line("folded", f"{folded} unchanged line{'s' if folded != 1 else ''}"), *tail]
