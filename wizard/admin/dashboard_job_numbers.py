"""The dashboard's card of the job pages' views and apply clicks this week: the postings
seen most, each bar and row linked to the posting's admin page."""

from django.urls import reverse

from wizard.admin.dashboard_parts import Card, Cell, Table, percent
from wizard.dashboard import charts
from wizard.dashboard.charts import Row, Segment


def job_numbers_card(numbers):
    rows, table_rows = [], []
    for posting in numbers.top:
        label = " at ".join(filter(None, [posting.title or "Untitled", posting.company_name]))
        href = reverse("admin:wizard_jobposting_change", args=[posting.posting_id])
        rows.append(
            Row(
                label,
                [Segment(posting.views, "stage-4", "views", href)],
                note=f"{posting.views} views · {posting.apply_clicks} apply clicks",
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
        f"Since {numbers.since:%A %-d %B} (UTC days): {numbers.views} job page views and "
        f"{numbers.apply_clicks} apply clicks in all. The postings seen most; robots are "
        "not counted, and the last minute's counts are not in yet.",
        charts.bar_chart(rows, "views"),
        Table(
            "Views and apply clicks this week",
            ["Posting", "Views", "Apply clicks", "Clicks per view"],
            table_rows,
        ),
        empty_text="No job page was viewed this week.",
    )
