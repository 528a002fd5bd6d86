"""The dashboard's card of the job pages' views and apply clicks this week: the postings
seen most, each bar and row linked to the posting's admin page."""

from django.urls import reverse
from django.utils.text import Truncator

from wizard.admin.dashboard_parts import Card, Cell, Table, percent
from wizard.dashboard import charts
from wizard.dashboard.charts import Row, Segment

LABEL_CHARS = 36


def counted(number, thing):
    return f"{number} {thing}{'' if number == 1 else 's'}"


def job_numbers_card(numbers):
    rows, table_rows = [], []
    for posting in numbers.top:
        label = " at ".join(filter(None, [posting.title or "Untitled", posting.company_name]))
        href = reverse("admin:wizard_jobposting_change", args=[posting.posting_id])
        rows.append(
            Row(
                # Short enough to leave its note room on a phone; the table has it whole.
                Truncator(label).chars(LABEL_CHARS),
                [Segment(posting.views, "stage-4", "views", href)],
                note=counted(posting.views, "view"),
            )
        )
        table_rows.append(
            [
                Cell(label),
                Cell(str(posting.views), href),
                Cell(str(posting.apply_clicks)),
                Cell(percent(posting.apply_clicks, posting.views)),
            ]
        )
    return Card(
        "job-numbers",
        "Views and apply clicks this week",
        f"Since {numbers.since:%A %-d %B} (UTC days): "
        f"{counted(numbers.views, 'job page view')} and "
        f"{counted(numbers.apply_clicks, 'apply click')} in all. The postings seen most; "
        "robots are not counted, and the last minute's counts are not in yet.",
        charts.bar_chart(rows, "views"),
        Table(
            "Views and apply clicks this week",
            ["Posting", "Views", "Apply clicks", "Clicks per view"],
            table_rows,
        ),
        empty_text="No job page was viewed this week.",
    )
