"""The heartbeat of processes that serve no HTTP, so /health/ can see they are alive."""

from django.db import models


class Heartbeat(models.Model):
    """The last time a named process said it was alive: one row per name ("scheduler"),
    written in the shared database so any web process, on any machine, can read it."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} on {self.host} (pid {self.pid}) at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class MoneyDifferenceCount(models.Model):
    """How many differences of one kind between Stripe and the database the last
    reconciliation found (wizard.ops.watch): /metrics reads them."""

    kind = models.CharField(max_length=50, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField()

    class Meta:
        db_table = "wizard_money_difference_count"

    def __str__(self):
        return f"{self.kind}: {self.count} at {self.checked_at:%Y-%m-%d %H:%M}"
