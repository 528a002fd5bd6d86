"""The dashboard's building blocks: a card (a chart, its description and its table of
numbers), a tile, the links from each number to the admin list that shows what it counts,
and the short formats they use. The cards themselves are in dashboard_cards."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult

from wizard.dashboard import charts

PERMISSION = "wizard.view_jobposting"


@dataclass
class Cell:
    text: str
    href: str | None = None


def count_cell(count, href):
    """A number in a table, linked to its list when there is something to list."""
    return Cell(str(count), href if count else None)


@dataclass
class Table:
    caption: str
    headers: list
    rows: list  # [[Cell, …], …]; the first cell of each row is its header


@dataclass
class Card:
    id: str
    title: str
    intro: str
    chart: object
    table: Table
    legend: list = field(default_factory=list)  # [(css class, label), …]
    empty_text: str = "Nothing to show yet."

    @property
    def kind(self):
        return "columns" if isinstance(self.chart, charts.ColumnChart) else "bars"

    @property
    def description(self):
        """The chart's numbers in a sentence or two, for those who cannot see it."""
        if self.kind == "bars":
            return "; ".join(f"{row.label}: {row.note}" for row in self.chart.rows) + "."
        columns = self.chart.columns
        if not columns:
            return ""
        series = [
            f"{label}: " + ", ".join(str(column.bars[index].value) for column in columns)
            for index, (_, label) in enumerate(self.legend)
        ]
        return (
            f"Weeks starting {columns[0].label} to {columns[-1].label}. " + ". ".join(series) + "."
        )


@dataclass
class Tile:
    label: str
    value: str
    note: str
    href: str | None = None
    tone: str = ""  # "", "good", "warn" or "bad"


class Links:
    """Admin list URLs, filtered; None where the user may not view that list."""

    def __init__(self, user, window):
        self.user = user
        self.window = window

    def _list(self, url_name, permission, params):
        if not self.user.has_perm(permission):
            return None
        return f"{reverse(f'admin:{url_name}')}?{urlencode(params)}"

    def postings(self, **params):
        # `queue=all`: the list otherwise opens on the review queue.
        return self._list("wizard_jobposting_changelist", PERMISSION, {"queue": "all", **params})

    def queue(self):
        """The review queue, longest waiting first."""
        return self._list("wizard_jobposting_changelist", PERMISSION, {"queue": "review"})

    def created(self, start=None, end=None):
        """The created_at bounds of the window, or of one week, as the list's lookups."""
        start, end = start or self.window.start, end or self.window.end
        return {
            "created_at__date__gte": timezone.localtime(start).date().isoformat(),
            "created_at__date__lt": timezone.localtime(end).date().isoformat(),
        }

    def effects(self, **params):
        return self._list("wizard_job_changelist", "wizard.view_job", params)

    def tasks(self, **params):
        opts = DBTaskResult._meta
        return self._list(
            f"{opts.app_label}_{opts.model_name}_changelist",
            f"{opts.app_label}.view_{opts.model_name}",
            params,
        )

    def refunds(self, **params):
        return self._list("wizard_refund_changelist", "wizard.view_refund", params)


def percent(part, whole):
    return f"{round(100 * part / whole)}%" if whole else "–"


def share(part, whole):
    """A tile's note: what share of the drafts `part` is."""
    return f"{percent(part, whole)} of those drafts" if whole else "no drafts to count"


def age(since, now):
    """How long ago, short enough for a tile: "under a minute", "12 min", "5 h", "3 days"."""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def week_label(start):
    return date_format(timezone.localtime(start), "j M")
