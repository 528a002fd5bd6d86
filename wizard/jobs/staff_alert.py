"""Staff alerts: an email to the people who must act (a disputed payment, say), as a job
of the one runner (kind "staff_alert"), so it is retried while the mail provider is down
and shown failed in the admin if it never goes out.

Any package may raise one, in the transaction that decides it is due:

    from wizard.jobs import staff_alert
    staff_alert.alert(posting, "dispute:dp_123:needs_response", subject, body)

One alert per (posting, name): asking again for the same name changes nothing, so a
repeated or reordered event never alerts twice. Who is told: STAFF_ALERT_EMAILS, or
(when unset) every active staff user allowed to refund payments.
"""

import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from wizard.jobs import runner
from wizard.jobs.kinds import JobKind, register
from wizard.jobs.models import Job
from wizard.postings.statuses import REFUND_PERMISSION

KIND = "staff_alert"


class NoOneToAlert(Exception):
    """Neither STAFF_ALERT_EMAILS nor a staff user with an address to send to."""


def recipients():
    """STAFF_ALERT_EMAILS, else the addresses of the active staff users who may refund
    payments (superusers included), sorted."""
    if settings.STAFF_ALERT_EMAILS:
        return list(settings.STAFF_ALERT_EMAILS)
    users = get_user_model().objects.with_perm(
        REFUND_PERMISSION, is_active=True, backend="django.contrib.auth.backends.ModelBackend"
    )
    return sorted({user.email for user in users if user.is_staff and user.email})


class StaffAlertKind(JobKind):
    name = KIND
    label = "Staff alert"
    provider = "email"
    employer_sees = False  # staff's alone

    def describe(self, job):
        return f"{self.label}: {job.payload.get('subject', job.name)}"

    def target(self, job):
        return ", ".join(recipients())

    def perform(self, job):
        to = recipients()
        if not to:
            raise NoOneToAlert(
                "No one to alert: set STAFF_ALERT_EMAILS, or give a staff user with an email "
                f"address the {REFUND_PERMISSION} permission."
            )
        message = EmailMessage(
            subject=" ".join(job.payload.get("subject", job.name).split())[:200],
            body=job.payload.get("body", ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
            headers={"X-Jobwizard-Staff-Alert": f"{job.pk}/{job.attempts}"},
        )
        message.send()
        status = getattr(message, "anymail_status", None)
        message_id = status.message_id if status is not None else None
        return "" if message_id is None else str(message_id)

    def is_permanent(self, exc):
        return isinstance(exc, NoOneToAlert | smtplib.SMTPRecipientsRefused)


register(StaffAlertKind())


def admin_url(posting):
    """The posting's page in the admin, as a link for an alert's body."""
    return settings.SITE_URL.rstrip("/") + reverse(
        "admin:wizard_jobposting_change", args=[posting.pk]
    )


def alert(posting, name, subject, body):
    """Queue the alert `name` (of `posting`, or of none) in the caller's transaction,
    unless it was raised already; returns its job."""
    assert transaction.get_connection().in_atomic_block, "alert() needs a transaction"
    existing = Job.objects.filter(posting=posting, kind=KIND, name=name).first()
    if existing is not None:
        return existing
    return runner.queue(posting, KIND, name, payload={"subject": subject, "body": body})
