"""How many people looked at a posting and pressed Apply: counted per posting and day.

The counts arrive aggregated (wizard.board counts in the cache and flushes totals here
periodically), so the request path never writes a row per view."""

from django.db import models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


class DailyNumbers(models.Model):
    posting = models.ForeignKey(
        "wizard.JobPosting", on_delete=models.CASCADE, related_name="daily_numbers"
    )
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    apply_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "wizard_posting_daily_numbers"
        ordering = ["posting", "day"]
        constraints = [
            models.UniqueConstraint(fields=["posting", "day"], name="one_numbers_row_per_day")
        ]
        # The staff dashboard sums the last days of every posting (wizard.dashboard.job_numbers).
        indexes = [models.Index(fields=["day"], name="numbers_by_day")]

    def __str__(self):
        return f"{self.posting_id} on {self.day}: {self.views} views, {self.apply_clicks} clicks"


def _total(field):
    rows = DailyNumbers.objects.filter(posting=OuterRef("pk")).order_by()
    summed = rows.values("posting").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(summed), 0)


def with_numbers(postings):
    """Postings annotated with their totals: `views` and `apply_clicks` (0 when none)."""
    return postings.annotate(views=_total("views"), apply_clicks=_total("apply_clicks"))
