"""Durable email: a row per (posting, kind), a task per attempt, retries with backoff.

Guarantee: without crashes each requested email is sent exactly once. A worker
that dies between handing the message to the provider and recording it leaves
the row in `sending`; the recovery job re-queues it, so a crash costs at most one
duplicate, which the row's attempt count and the provider's message ids reveal.
"""

import logging
import random
import smtplib
from datetime import timedelta

from anymail.exceptions import AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from anymail.signals import tracking
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.tasks import task
from django.utils import timezone

from wizard.effects import email as emails
from wizard.effects.models import EmailRecord
from wizard.postings.models import Actor, JobPosting, Status

logger = logging.getLogger(__name__)

State = EmailRecord.State


class ResendTooSoon(Exception):
    def __init__(self, wait):
        super().__init__(f"Please wait {wait} before asking again.")
        self.wait = wait


def queue_email(posting, kind):
    """Create or re-queue the (posting, kind) email and enqueue its task.

    Call inside the transaction that decides the email is due (rule 3 of the design):
    the row and the task commit, or roll back, with that decision.
    """
    assert transaction.get_connection().in_atomic_block, "queue_email needs a transaction"
    now = timezone.now()
    record, created = EmailRecord.objects.select_for_update().get_or_create(
        posting=posting, kind=kind, defaults={"to": posting.contact_email}
    )
    if not created:
        if record.state == State.SENDING:
            return record  # an attempt is under way; it will be recovered if it died
        record.state = State.QUEUED
        record.to = posting.contact_email
        record.queued_at = record.next_attempt_at = now
        record.last_error = ""
        record.save()
    send_email.enqueue(record.pk)
    return record


def resend(posting, kind):
    """The employer asks again. A failed or bounced email may be resent at once (to a
    corrected address, say); one that went out is resent only after a cool-down."""
    with transaction.atomic():
        record = EmailRecord.objects.select_for_update().filter(posting=posting, kind=kind).first()
        cooldown = timedelta(seconds=settings.EMAIL_RESEND_COOLDOWN_SECONDS)
        recent = record is not None and record.queued_at > timezone.now() - cooldown
        if recent and not record.needs_attention:
            raise ResendTooSoon(wait=record.queued_at + cooldown - timezone.now())
        return queue_email(posting, kind)


@task()
def send_email(record_id):
    record = _claim(record_id)
    if record is None:
        return "nothing to send"
    message = emails.compose(record)
    try:
        message.send()
    except Exception as exc:  # every failure is recorded and classified below
        return _record_failure(record_id, exc)
    status = getattr(message, "anymail_status", None)
    message_id = status.message_id if status is not None else None
    _record_success(record_id, "" if message_id is None else str(message_id))
    return "sent"


def _locked(record_id):
    """Lock the posting, then its email row: the order every writer of both follows."""
    posting_id = EmailRecord.objects.values_list("posting_id", flat=True).get(pk=record_id)
    posting = JobPosting.objects.select_for_update().get(pk=posting_id)
    return EmailRecord.objects.select_for_update().get(pk=record_id), posting


def _claim(record_id):
    with transaction.atomic():
        record, _ = _locked(record_id)
        if record.state != State.QUEUED:
            return None  # sent already, or another worker is sending it
        record.state = State.SENDING
        record.attempts += 1
        record.to = record.posting.contact_email
        record.sending_started_at = timezone.now()
        record.save()
        return record


def _record_success(record_id, esp_message_id):
    with transaction.atomic():
        record, posting = _locked(record_id)
        record.state = State.SENT
        record.esp_message_id = esp_message_id
        record.sent_at = timezone.now()
        record.last_error = ""
        record.save()
        if record.kind == EmailRecord.Kind.CONFIRMATION and posting.status == Status.PAID:
            posting.confirm(by=Actor.system(), why="Confirmation email sent")
            posting.submit_for_review(by=Actor.system(), why="Paid and confirmed")
        elif record.kind == EmailRecord.Kind.CONFIRMATION:
            posting.clear_error()
        posting.save()


def _record_failure(record_id, exc):
    detail = describe(exc)
    with transaction.atomic():
        record, posting = _locked(record_id)
        permanent = is_permanent(exc)
        record.last_error = detail
        if permanent or record.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            record.state = State.FAILED
            record.failed_at = timezone.now()
            record.save()
            _alert(posting, record, detail)
            logger.error(
                "Email %s failed for good after %s attempt(s): %s",
                record.pk,
                record.attempts,
                detail,
            )
            return "failed"
        record.state = State.QUEUED
        record.next_attempt_at = timezone.now() + backoff(record.attempts)
        record.save()
        send_email.using(run_after=record.next_attempt_at).enqueue(record.pk)
        logger.warning(
            "Email %s attempt %s failed, retrying at %s: %s",
            record.pk,
            record.attempts,
            record.next_attempt_at,
            detail,
        )
        return "retry scheduled"


def _alert(posting, record, detail):
    """Staff see it in the admin ("needs attention"); the employer sees it on the status page."""
    posting.record_error(
        f"We couldn't email you at {record.to}. Please check the address and send it again.",
        f"{record.get_kind_display()} email failed: {detail}",
    )
    posting.save()


@receiver(tracking)
def record_tracking_event(sender, event, esp_name, **kwargs):
    """Delivery reports from the ESP's webhook (anymail normalises them)."""
    if not event.message_id:
        return
    found = EmailRecord.objects.filter(esp_message_id=str(event.message_id)).first()
    if found is None:
        logger.info("Tracking event %s for unknown message %s", event.event_type, event.message_id)
        return
    with transaction.atomic():
        record, posting = _locked(found.pk)
        if event.event_type == "delivered" and record.state == State.SENT:
            record.state = State.DELIVERED
            record.delivered_at = event.timestamp or timezone.now()
            record.save()
        elif event.event_type in BOUNCE_EVENTS and record.state in (State.SENT, State.DELIVERED):
            record.state = State.BOUNCED
            record.failed_at = event.timestamp or timezone.now()
            record.last_error = f"{esp_name} reported {event.event_type}: {event.description or ''}"
            record.save()
            _alert(posting, record, record.last_error)


BOUNCE_EVENTS = {"bounced", "rejected", "complained"}


def describe(exc):
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # some exceptions cannot describe themselves; never lose the failure
        return f"{type(exc).__name__} (status {getattr(exc, 'status_code', None)})"


def backoff(attempt):
    """Exponential backoff with jitter: about base, 2×base, 4×base… capped, each 50–100 %."""
    delay = min(
        settings.EMAIL_RETRY_MAX_SECONDS, settings.EMAIL_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    )
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))


def is_permanent(exc):
    """A refusal that retrying cannot fix: an invalid recipient, or the provider's 4xx."""
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return True
    if isinstance(exc, AnymailError) and exc.status_code is not None:
        return 400 <= exc.status_code < 500 and exc.status_code != 429
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False  # network errors, timeouts, 5xx, 429 and the unknown are worth retrying
