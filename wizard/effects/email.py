"""Composition of the emails the employer receives: subject and body template pairs."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from wizard.effects.models import EmailRecord


def compose(record, **context):
    """The message for an EmailRecord, rendered now from the posting as it is now.

    Every attempt carries the record's id and attempt number, in a header and as
    provider metadata, so that a duplicate sent after a crash can be recognised.
    """
    posting = record.posting
    context = {"posting": posting, "site_url": settings.SITE_URL, **_links(record), **context}
    subject = render_to_string(f"emails/{record.kind}_subject.txt", context)
    body = render_to_string(f"emails/{record.kind}_body.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[posting.contact_email],
        headers={"X-Jobwizard-Email": f"{record.pk}/{record.attempts}"},
    )
    message.metadata = {"email_record": str(record.pk), "attempt": str(record.attempts)}
    return message


def _links(record):
    # Imported here: both modules import wizard.mailing, which imports this one.
    from wizard.flow import finish_later as resume
    from wizard.flow import manage_link

    posting = record.posting
    if record.kind == EmailRecord.Kind.RESUME_LINK:
        return {
            "resume_url": resume.resume_url(posting),
            "max_age_days": settings.RESUME_LINK_MAX_AGE_DAYS,
        }
    links = {"manage_url": manage_link.manage_url(posting)}
    if posting.slug:
        links["public_url"] = settings.SITE_URL.rstrip("/") + reverse(
            "wizard:job", args=[posting.slug]
        )
    return links
