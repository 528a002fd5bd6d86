"""The job pages' views and apply clicks over the last days, for the staff dashboard:
the totals and the postings seen most (two aggregate queries, however many postings).

The counts are DailyNumbers rows (wizard.postings.numbers), flushed from the cache every
interval (wizard.board.flush), per UTC day."""

from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db.models import Sum
from django.db.models.functions import Coalesce

from wizard.postings.numbers import DailyNumbers

DAYS = 7
TOP = 10


@dataclass
class PostingNumbers:
    posting_id: object
    title: str
    company_name: str
    views: int
    apply_clicks: int


@dataclass
class JobNumbers:
    since: object  # the first UTC day counted
    views: int
    apply_clicks: int
    top: list  # [PostingNumbers], most viewed first


def job_numbers(now, days=DAYS, top=TOP):
    """Views and apply clicks of the `days` UTC days up to today, `now`'s included."""
    since = now.astimezone(UTC).date() - timedelta(days=days - 1)
    rows = DailyNumbers.objects.filter(day__gte=since).order_by()
    totals = rows.aggregate(
        views=Coalesce(Sum("views"), 0), apply_clicks=Coalesce(Sum("apply_clicks"), 0)
    )
    most = (
        rows.values("posting", "posting__title", "posting__company_name")
        .annotate(views=Sum("views"), apply_clicks=Sum("apply_clicks"))
        .order_by("-views", "-apply_clicks", "posting")[:top]
    )
    return JobNumbers(
        since=since,
        views=totals["views"],
        apply_clicks=totals["apply_clicks"],
        top=[
            PostingNumbers(
                row["posting"],
                row["posting__title"],
                row["posting__company_name"],
                row["views"],
                row["apply_clicks"],
            )
            for row in most
        ],
    )
