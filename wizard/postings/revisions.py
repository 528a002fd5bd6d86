"""Edits to a live posting, kept as a revision until staff approve it.

A revision holds the proposed values of the content an employer may change on a published
posting (REVISED_FIELDS: what the job is, where, its salary and how to apply; not the
logo, nor the address the receipts go to). The live posting is untouched until staff
approve (wizard.postings.revising); a posting has at most one pending revision, which
each new edit updates.

Values are kept as the model holds them, in JSON: text as text, a salary as a number or
null, a country as its code, applicant countries as a list of codes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from wizard.postings import attention
from wizard.postings.statuses import Status

REVISED_FIELDS = [
    "company_name",
    "title",
    "employment_type",
    "description",
    "workplace",
    "city",
    "region",
    "country",
    "applicant_countries",
    "salary_min",
    "salary_max",
    "salary_currency",
    "apply_url",
    "apply_email",
]


def values_of(posting):
    """The posting's REVISED_FIELDS as a revision keeps them (comparable, JSON-ready)."""
    values = {}
    for name in REVISED_FIELDS:
        value = getattr(posting, name)
        if name == "country":
            value = value.code or ""
        elif name == "applicant_countries":
            value = sorted(country.code for country in value)
        values[name] = value
    return values


def put(posting, values):
    """Set the revision's `values` on `posting` (in memory; the caller validates and saves)."""
    for name in REVISED_FIELDS:
        if name in values:
            setattr(posting, name, values[name])


class RevisionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=PostingRevision.State.PENDING)


class PostingRevision(models.Model):
    """An employer's proposed changes to their live posting, and staff's decision."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn by the employer"

    posting = models.ForeignKey(
        "wizard.JobPosting", on_delete=models.CASCADE, related_name="revisions"
    )
    employer = models.ForeignKey(
        "wizard.Employer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )
    values = models.JSONField(
        default=dict, help_text="The fields the employer changed (of REVISED_FIELDS), as proposed."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(blank=True, help_text="Why staff rejected it (emailed).")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        db_table = "wizard_posting_revision"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["posting"],
                condition=Q(state="pending"),
                name="one_pending_revision_per_posting",
            )
        ]

    def __str__(self):
        return f"Revision {self.pk} of {self.posting_id} ({self.get_state_display()})"

    @property
    def is_pending(self):
        return self.state == self.State.PENDING

    def changed_fields(self, posting):
        """The names of the fields whose proposed value differs from the posting's."""
        live = values_of(posting)
        return [name for name in REVISED_FIELDS if self.values.get(name, live[name]) != live[name]]


@attention.reason("revision", "Edit waiting for review")
def _edit_waiting():
    """A live posting whose employer changed it: staff approve or reject the changes."""
    pending = PostingRevision.objects.pending().filter(posting=OuterRef("pk"))
    return Q(status=Status.PUBLISHED) & Exists(pending)
