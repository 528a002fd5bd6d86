"""Composition of the emails the employer receives: subject and body template pairs."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def _compose(kind, posting, **context):
    context = {"posting": posting, "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{kind}_subject.txt", context)
    body = render_to_string(f"emails/{kind}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[posting.contact_email],
    )


def confirmation_email(posting):
    return _compose("confirmation", posting)
