"""Postings at a given point of the flow, made directly in the database."""

from wizard.flow.ownership import SESSION_KEY
from wizard.models import JobPosting, Status

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
