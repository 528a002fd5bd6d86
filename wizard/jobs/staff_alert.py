"""Staff notices: what staff must hear of (a disputed payment, a job failed for good, a
failing provider…), told on each channel as a job of the one runner, so it is retried
while the channel is down and shown failed in the admin if it never goes out.

Any package may raise one, in the transaction that decides it is due:

    from wizard.jobs import staff_alert
    staff_alert.alert(posting, "dispute:dp_123:needs_response", subject, body)

One notice per (posting, name): asking again for the same name changes nothing, so a
repeated or reordered event never alerts twice.

The channels: an email (kind "staff_alert") to STAFF_ALERT_EMAILS, or (when unset) every
active staff user allowed to refund payments; and, when STAFF_ALERT_WEBHOOK_URL is set, a
POST of Slack-compatible JSON (kind "staff_alert_webhook"), then the only channel if there
is no one to email. Each channel sends at most one digest per window of
STAFF_ALERT_DIGEST_MINUTES (windows from midnight UTC, one after another): the first
notice of a quiet window goes at once, the notices raised after it in that window go
together at the start of the next. A notice is put in its digest as it is raised, under
the digest job's lock, and only into a digest no attempt has started: so it is in exactly
one digest per channel, whoever raises what at once; a worker killed mid-send costs at
most one duplicate of that digest, as for every job.

During an upgrade both forms meet: a "staff_alert" job the release before raised (its
subject and body in its payload, no notices) is sent as it was; a digest job carries a
subject and body pointing at the notices' admin screen, which a worker of the release
before sends instead of the digest.
"""

import smtplib
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wizard.jobs import budget, runner
from wizard.jobs.kinds import Budget, JobKind, register, send_email
from wizard.jobs.models import Job, StaffNotice
from wizard.postings.statuses import REFUND_PERMISSION

KIND = "staff_alert"  # the email channel: the kind's name from before there were digests
WEBHOOK_KIND = "staff_alert_webhook"


class NoOneToAlert(Exception):
    """Neither STAFF_ALERT_EMAILS nor a staff user with an address to send to."""


class WebhookUnreachable(Exception):
    """No answer from the staff webhook (a timeout, a refused connection)."""


class WebhookRefused(Exception):
    """The staff webhook answered with a status other than 2xx."""

    def __init__(self, status, text):
        super().__init__(f"The staff webhook answered {status}: {text[:200]}")
        self.status = status


def recipients():
    """STAFF_ALERT_EMAILS, else the addresses of the active staff users who may refund
    payments (superusers included), sorted."""
    if settings.STAFF_ALERT_EMAILS:
        return list(settings.STAFF_ALERT_EMAILS)
    users = get_user_model().objects.with_perm(
        REFUND_PERMISSION, is_active=True, backend="django.contrib.auth.backends.ModelBackend"
    )
    return sorted({user.email for user in users if user.is_staff and user.email})


def site_url(path):
    return settings.SITE_URL.rstrip("/") + path


def admin_url(posting):
    """The posting's page in the admin, as a link for an alert's body."""
    return site_url(reverse("admin:wizard_jobposting_change", args=[posting.pk]))


def job_admin_url(job):
    """The job's page in the admin."""
    return site_url(reverse("admin:wizard_job_change", args=[job.pk]))


class DigestKind(JobKind):
    """One channel's digests: each job sends the notices put in it (`notice_field`)."""

    provider = ""
    employer_sees = False  # staff's alone
    notice_field = ""

    def enabled(self):
        return True

    def notices(self, job):
        return list(
            StaffNotice.objects.filter(**{self.notice_field: job}).select_related("posting")
        )

    def describe(self, job):
        return f"{self.label}: {job.name}"

    def perform(self, job):
        notices = self.notices(job)
        if notices:
            subject, body = render(notices)
        elif "subject" in job.payload:  # an alert of the release before digests
            subject, body = _one_line(job.payload["subject"]), job.payload.get("body", "")
        else:
            return ""  # nothing was raised into it (a digest is made only for a notice)
        return self.send(job, subject, body)

    def send(self, job, subject, body):
        raise NotImplementedError


class EmailDigestKind(DigestKind):
    name = KIND
    label = "Staff alert"
    provider = "email"
    notice_field = "email_digest"

    def enabled(self):
        """With no one to email, only when there is no webhook either: then the digest
        fails for staff to see (NoOneToAlert), rather than tell no one."""
        return not settings.STAFF_ALERT_WEBHOOK_URL or bool(recipients())

    def target(self, job):
        return ", ".join(recipients())

    def send(self, job, subject, body):
        to = recipients()
        if not to:
            raise NoOneToAlert(
                "No one to alert: set STAFF_ALERT_EMAILS, or give a staff user with an email "
                f"address the {REFUND_PERMISSION} permission."
            )
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
            headers={"X-Jobwizard-Staff-Alert": f"{job.pk}/{job.attempts}"},
        )
        return send_email(message)

    def is_permanent(self, exc):
        return isinstance(exc, NoOneToAlert | smtplib.SMTPRecipientsRefused)


class WebhookDigestKind(DigestKind):
    """A POST of {"text": …}: what Slack's, Mattermost's and Discord's (…/slack) incoming
    webhooks take."""

    name = WEBHOOK_KIND
    label = "Staff alert (webhook)"
    provider = "webhook"
    notice_field = "webhook_digest"

    def enabled(self):
        return bool(settings.STAFF_ALERT_WEBHOOK_URL)

    def target(self, job):
        """The webhook's host only: its path holds its secret (Slack's, Mattermost's)."""
        return urlsplit(settings.STAFF_ALERT_WEBHOOK_URL).netloc

    def send(self, job, subject, body):
        try:
            response = requests.post(
                settings.STAFF_ALERT_WEBHOOK_URL,
                json={"text": slack_escaped(f"{subject}\n\n{body}")},
                headers={"X-Jobwizard-Staff-Alert": f"{job.pk}/{job.attempts}"},
                timeout=settings.STAFF_ALERT_WEBHOOK_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            # Said without the URL, whose path is the webhook's secret (retried).
            raise WebhookUnreachable(f"{type(exc).__name__} at {self.target(job)}") from None
        if not 200 <= response.status_code < 300:
            raise WebhookRefused(response.status_code, response.text)
        return ""

    def is_permanent(self, exc):
        """A refusal other than "later" (408, 429, 5xx): the address or its token is wrong,
        retrying cannot fix it (staff run it again once it is corrected)."""
        if not isinstance(exc, WebhookRefused):
            return False
        return 400 <= exc.status < 500 and exc.status not in (408, 429)


def slack_escaped(text):
    """Text with the three characters Slack reads as markup escaped, as it asks: a posting's
    title "<!channel>" stays words, never a mention of everyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


CHANNELS = [register(EmailDigestKind()), register(WebhookDigestKind())]
CHANNEL_KINDS = frozenset(channel.name for channel in CHANNELS)


def render(notices):
    """The subject and body of one digest: each notice, with a link to its posting in the
    admin (a notice that concerns one)."""
    if len(notices) == 1:
        return _one_line(notices[0].subject), _text(notices[0])
    subject = f"{len(notices)} staff notices: {notices[0].subject}, …"
    parts = [
        f"{notice.subject} ({notice.raised_at:%Y-%m-%d %H:%M} UTC)\n{_text(notice)}"
        for notice in notices
    ]
    return _one_line(subject), "\n\n---\n\n".join(parts)


def _one_line(subject):
    return " ".join(subject.split())[:200]


def _text(notice):
    if notice.posting is None or admin_url(notice.posting) in notice.body:
        return notice.body
    return f"{notice.body}\n\nThe posting: {admin_url(notice.posting)}".strip()


def _digest_window():
    """Windows of STAFF_ALERT_DIGEST_MINUTES one after another, as a budget's are."""
    return Budget(calls=1, per=timedelta(minutes=settings.STAFF_ALERT_DIGEST_MINUTES))


def _open_digest(channel, now):
    """The channel's digest a notice raised now joins, locked: this window's, unless an
    attempt of it has started; then the first later window's not started (due at its
    start: the next window's, unless staff ran that one early)."""
    per = _digest_window().per
    slot, due = budget.window(_digest_window(), now)[0], now
    while True:
        job, created = runner.queue_once(
            channel.name, f"digest {slot:%Y-%m-%d %H:%M} UTC", due=due, payload=_pointer()
        )
        if created or (job.state == Job.State.QUEUED and job.attempts == 0):
            return job
        slot = due = slot + per


def _pointer():
    """What a worker of the release before digests sends for one (it reads the payload)."""
    url = site_url(reverse("admin:wizard_staffnotice_changelist"))
    return {"subject": "Staff notices", "body": f"Staff notices were raised: {url}"}


def alert(posting, name, subject, body):
    """Raise the notice `name` (of `posting`, or of none) in the caller's transaction,
    unless it was raised already; returns it."""
    assert transaction.get_connection().in_atomic_block, "alert() needs a transaction"
    key = name if posting is None else f"{name}:{posting.pk}"
    notice, created = StaffNotice.objects.get_or_create(
        key=key[:300],
        defaults={"posting": posting, "name": name[:255], "subject": subject[:200], "body": body},
    )
    if created:
        now = timezone.now()
        for channel in CHANNELS:
            if channel.enabled():
                setattr(notice, channel.notice_field, _open_digest(channel, now))
        notice.save()
    return notice
