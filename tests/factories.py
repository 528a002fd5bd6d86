"""Postings at a given point of the flow, made directly in the database."""

from django.utils import timezone

from wizard.flow.ownership import SESSION_KEY
from wizard.models import Actor, JobPosting, Status, TransitionLog

DETAILS = {
    "company_name": "Acme Corp",
    "title": "Senior Django Engineer",
    "workplace": "hybrid",
    "city": "Berlin",
    "country": "DE",
    "employment_type": "full_time",
    "description": "Build reliable things with Django.",
    "apply_url": "https://acme.example/jobs/42",
    "contact_email": "hiring@acme.example",
}


def posting_at(status=Status.DRAFT, **fields):
    """A posting whose steps' own data agree with `status`: past the draft the logo step
    is done (skipped), past "logo_ready" the details are filled in."""
    if status != Status.DRAFT:
        fields.setdefault("step_data", {"logo": {"skipped": True}})
    if status not in (Status.DRAFT, "logo_ready"):
        fields = {**DETAILS, **fields}
    return JobPosting.objects.create(status=status, **fields)


def own(client, *postings):
    """Let the test client's browser session reach these postings."""
    session = client.session
    session[SESSION_KEY] = [*session.get(SESSION_KEY, []), *(str(p.pk) for p in postings)]
    session.save()


TRANSITIONS = {
    Status.AWAITING_PAYMENT: "open_checkout",
    Status.PAID: "mark_paid",
    Status.CONFIRMED: "confirm",
    Status.IN_REVIEW: "submit_for_review",
    Status.PUBLISHED: "approve",
    Status.REJECTED: "reject",
    Status.EXPIRED: "expire",
    Status.REFUNDED: "mark_refunded",
    Status.ABANDONED: "abandon",
}


def posting_through(*statuses, created_at=None, updated_at=None, **fields):
    """A posting that went through `statuses` in order, the last being its status now, with
    a transition log row for each (as the app writes them), created at `created_at`."""
    posting = posting_at(statuses[-1] if statuses else Status.DRAFT, **fields)
    source = Status.DRAFT
    for target in statuses:
        TransitionLog.objects.create(
            posting=posting,
            transition=TRANSITIONS.get(target, "advance_wizard"),
            source=source,
            target=target,
            actor=Actor.SYSTEM,
            reason="Made by a test",
            at=created_at or timezone.now(),
        )
        source = target
    dates = {"created_at": created_at, "updated_at": updated_at or created_at}
    JobPosting.objects.filter(pk=posting.pk).update(
        **{name: value for name, value in dates.items() if value is not None}
    )
    return JobPosting.objects.get(pk=posting.pk)
