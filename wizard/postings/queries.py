"""Which postings: the model's QuerySet, its state-named methods, and the signal that
bulk writes send (they bypass save() and its post_save)."""

from django.db import models
from django.dispatch import Signal

from wizard.postings import attention
from wizard.postings.statuses import CLOSED_TO_THE_WIZARD, Status

# Sent after postings were written in bulk (QuerySet.update(), bulk_create(),
# bulk_update()), which bypasses save() and its post_save: whatever keeps a copy of what
# postings show (the board's cache) must forget it.
rows_written = Signal()


class JobPostingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        rows = super().update(**kwargs)
        rows_written.send(sender=self.model)
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        rows_written.send(sender=self.model)
        return created

    bulk_create.alters_data = True

    def with_attention(self):
        """Each posting annotated with why it needs staff attention (wizard.postings.attention)."""
        return attention.annotate(self)

    def with_withdrawal(self):
        """Each posting annotated with whether staff withdrew it (JobPosting.was_withdrawn,
        which the Renew action asks), so that a list asks no query per posting."""
        log = self.model._meta.get_field("transitions").related_model
        withdrawals = log.objects.filter(posting=models.OuterRef("pk"), transition="withdraw")
        return self.annotate(withdrawn=models.Exists(withdrawals))

    def before_payment(self):
        """Drafts at any step, including those with a checkout open."""
        return self.exclude(status__in=CLOSED_TO_THE_WIZARD)

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def in_review(self):
        return self.filter(status=Status.IN_REVIEW)

    def expiring_before(self, moment):
        return self.published().filter(expires_at__lte=moment)
