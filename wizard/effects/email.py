"""Email to the employer: one effect kind, its messages (an HTML template and a subject
each; the text part is made from the HTML), the lifecycle events that call for them, and
the ESP's delivery reports."""

import smtplib
from datetime import timedelta

from anymail.exceptions import AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from anymail.signals import tracking
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Exists, ExpressionWrapper, OuterRef
from django.dispatch import receiver
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from wizard.effects.email_text import html_to_text
from wizard.jobs import recovery, runner
from wizard.jobs.kinds import JobKind, register, send_email
from wizard.jobs.models import Job
from wizard.payments import receipt_links
from wizard.postings import attention, events, links, review
from wizard.postings.models import JobPosting, Status
from wizard.postings.transitions import locked_posting
from wizard.postings.zones import posting_zone

KIND = "email"


class Email(models.TextChoices):
    """The emails an employer can receive; each is `emails/<value>.html` (built on
    emails/base.html) with its subject in `emails/<value>_subject.txt`."""

    CONFIRMATION = "confirmation", "Payment confirmation (submitted for review)"
    FINISH_LATER = "finish_later", "Link to finish later"
    APPROVED = "approved", "Posting approved"
    REJECTED = "rejected", "Posting rejected"
    EXPIRING = "expiring", "Posting expiring soon"
    REFUNDED = "refunded", "Payment refunded"
    MANAGE_LINK = "manage_link", "New link to manage the posting"
    PAYMENT_FAILED = "payment_failed", "Delayed payment failed"
    REVISION_APPROVED = "revision_approved", "Changes to the live posting approved"
    REVISION_REJECTED = "revision_rejected", "Changes to the live posting not approved"


class EmailKind(JobKind):
    name = KIND
    label = "Email"
    employer_sees = True  # every email of this kind goes to the employer

    @property
    def provider(self):
        """The mailer in use (MAIL_BACKEND): an ESP's name ("postmark"), "file", "console",
        or the module of a backend given by its dotted path ("smtp")."""
        backend = settings.MAIL_BACKEND
        return backend.split(".")[-2] if "." in backend else backend

    def describe(self, effect):
        return f"Email: {Email(effect.name).label}"

    def target(self, effect):
        return effect.posting.contact_email

    def perform(self, effect):
        return send_email(compose(effect))

    def is_permanent(self, exc):
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

    def succeeded(self, effect, posting):
        """The receipt went out (again, perhaps to a corrected address): the failure the
        employer was shown is over. Review never waits for it (wizard.postings.review)."""
        if effect.name == Email.CONFIRMATION and posting.last_error_message:
            posting.clear_error()
            posting.save()

    def failed(self, effect, posting, exc=None):
        """Also noted on the job: whether the failure was ours (the employer's page then
        asks nothing of them)."""
        effect.payload = {**effect.payload, "our_side": not is_recipient_refusal(exc)}
        Job.objects.filter(pk=effect.pk).update(payload=effect.payload)
        super().failed(effect, posting, exc)

    def failure_message(self, effect, exc=None):
        """Only a refusal of the recipient asks the employer to check their address; any
        other failure (our credentials, our sender, our settings, the provider down after
        every retry) is ours, and they are told so."""
        if is_recipient_refusal(exc):
            return (
                f"We couldn't email you at {effect.target}. "
                "Please check the address and send it again."
            )
        return (
            "We couldn't send you this email because of a problem on our side, not with "
            "your address. We are working on it and will send it once it is fixed."
        )


register(EmailKind())


def is_recipient_refusal(exc):
    """Whether an email failed because of its recipient (an invalid address, a recipient
    the provider refuses), not because of us. None stands for the provider's later report
    of a bounce, a rejection or a complaint: the recipient's side too."""
    return exc is None or isinstance(
        exc, AnymailRecipientsRefused | AnymailInvalidAddress | smtplib.SMTPRecipientsRefused
    )


def queue_email(posting, email, payload=None):
    """Queue one of the employer's emails in the caller's transaction; `payload` holds
    what the email quotes that the posting does not (a rejected edit's reason)."""
    return runner.queue(posting, KIND, email, payload=payload)


def send_again(posting, email):
    """The employer asks again: at once after a failure, else after the cool-down."""
    cooldown = timedelta(seconds=settings.EMAIL_RESEND_COOLDOWN_SECONDS)
    return runner.queue_again(posting, KIND, email, cooldown=cooldown)


# Emails sent to an address nobody has proven to own: they must not relay a visitor's words
# (a title "URGENT call +1-900-…" to a stranger's inbox, from our domain).
UNPROVEN_ADDRESS = frozenset({Email.FINISH_LATER})


def compose(effect, **context):
    """The message for an email effect, rendered now from the posting as it is now: an
    HTML part and the text part made from it (wizard.effects.email_text).

    Every attempt carries the effect's id and attempt number, in a header and as
    provider metadata, so that a duplicate sent after a crash can be recognised.

    An email to an address that has not proven itself (UNPROVEN_ADDRESS: anyone may type
    any address to get a "finish later" link) carries no text a visitor typed: its
    templates get no posting to quote, only our own words and the link.
    """
    posting = effect.posting
    context = {
        "posting": posting,
        "where": where(posting),
        "zone": posting_zone(posting),
        "site_url": settings.SITE_URL,
        **_links(effect),
        **context,
    }
    if effect.name in UNPROVEN_ADDRESS:
        del context["posting"], context["where"]
    return render_email(effect, effect.name, context, to=posting.contact_email)


def render_email(effect, template, context, *, to):
    """One attempt of `effect`'s email: `emails/<template>.html` and its subject rendered
    with `context`, to the address `to` (an email of no posting composes its own context:
    wizard.effects.sign_in_email)."""
    subject = render_plain_text(f"emails/{template}_subject.txt", context)
    html = get_template(f"emails/{template}.html").render(context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=html_to_text(html),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-Jobwizard-Email": f"{effect.pk}/{effect.attempts}"},
    )
    message.attach_alternative(html, "text/html")
    message.metadata = {"effect": str(effect.pk), "attempt": str(effect.attempts)}
    return message


def where(posting):
    """The job's place in words, countries by name: "Berlin, Germany · Hybrid",
    "Remote (Germany, France)"; "" when not given."""
    if posting.is_remote or not posting.workplace:
        return posting.location_summary if posting.is_remote else posting.place_name
    place = posting.place_name
    label = posting.get_workplace_display()
    return f"{place} · {label}" if place else label


def render_plain_text(template_name, context):
    """A plain-text template rendered without HTML autoescaping: a subject is not HTML,
    so `R&D Lead - O'Reilly` must arrive as typed, not as `R&amp;D Lead - O&#x27;Reilly`."""
    template = get_template(template_name).template  # the engine's own Template
    return template.render(Context(context, autoescape=False))


def _links(effect):
    posting = effect.posting
    if effect.name == Email.FINISH_LATER:
        return {
            "finish_later_url": links.finish_later_url(posting),
            "max_age_days": settings.FINISH_LATER_LINK_MAX_AGE_DAYS,
        }
    found = {"manage_url": links.manage_url(posting), "public_url": links.public_url(posting)}
    if effect.name == Email.REVISION_REJECTED:
        found["edit_url"] = links.absolute(reverse("wizard:edit_live", args=[posting.pk]))
        found["reason"] = effect.payload.get("reason", "")  # staff's, kept on the job
    if effect.name == Email.EXPIRING:
        found["renew_url"] = links.renew_url(posting)  # one click to more time, no account
    if effect.name == Email.CONFIRMATION and posting.current_attempt_id:
        # Signed now, resolved when opened: Stripe may not have made the invoice yet.
        found["receipt_url"] = receipt_links.receipt_link(posting.current_attempt_id)
    return found


# --- The lifecycle events that call for an email -------------------------------


@receiver(events.paid)
def confirm_payment(sender, posting, **kwargs):
    queue_email(posting, Email.CONFIRMATION)


@receiver(events.payment_failed)
def announce_failed_payment(sender, posting, **kwargs):
    """A delayed method's payment failed (SEPA Debit, ACH…): the employer may have left the
    page days ago, so they are told by email too, with the way back to pay."""
    queue_email(posting, Email.PAYMENT_FAILED)


@receiver(events.published)
def announce_approval(sender, posting, **kwargs):
    queue_email(posting, Email.APPROVED)


@receiver(events.rejected)
def announce_rejection(sender, posting, **kwargs):
    queue_email(posting, Email.REJECTED)


@receiver(events.revised)
def announce_revision_live(sender, posting, **kwargs):
    queue_email(posting, Email.REVISION_APPROVED)


@receiver(events.revision_rejected)
def announce_revision_rejected(sender, posting, revision, **kwargs):
    queue_email(posting, Email.REVISION_REJECTED, payload={"reason": revision.reason})


@receiver(events.refunded)
def announce_refund(sender, posting, **kwargs):
    """The posting's own payment went back (withdrawn by the employer, or by staff)."""
    queue_email(posting, Email.REFUNDED)


def warn_expiring_postings():
    """Email employers whose posting expires within EXPIRY_WARNING_DAYS, once per expiry:
    a renewed posting (wizard.payments.purposes) is warned again before its new one."""
    window = timedelta(days=settings.EXPIRY_WARNING_DAYS)
    soon = timezone.now() + window
    warned = []
    already = Job.objects.of_kind(KIND, Email.EXPIRING)
    this_expiry = already.filter(
        posting=OuterRef("pk"),
        queued_at__gte=ExpressionWrapper(
            OuterRef("expires_at") - window, output_field=models.DateTimeField()
        ),
    )
    due = JobPosting.objects.expiring_before(soon).exclude(Exists(this_expiry))
    for posting_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            posting = JobPosting.objects.select_for_update().get(pk=posting_id)
            if (
                not posting.is_public
                or already.filter(
                    posting=posting, queued_at__gte=posting.expires_at - window
                ).exists()
            ):
                continue
            queue_email(posting, Email.EXPIRING)
        warned.append(posting_id)
    return warned


@recovery.repair
def queue_missing_confirmations(stuck_before):
    """Repair paid postings left in `paid` (by the release before this one, which held
    them out of review until their receipt went out, or by hand): submit them for review,
    and queue their receipt if they have none. Returns a sentence per posting."""
    repaired = []
    receipts = Job.objects.of_kind(KIND, Email.CONFIRMATION)
    left = JobPosting.objects.filter(status=Status.PAID, paid_at__lt=stuck_before)
    for posting_id in left.values_list("pk", flat=True):
        with locked_posting(posting_id) as posting:
            if not can_proceed(posting.confirm):
                continue  # moved on meanwhile
            review.submit(posting, why="Left paid")
            posting.save()
            report = f"posting {posting_id} was left paid; submitted for review"
            if not receipts.filter(posting_id=posting_id).exists():
                queue_email(posting, Email.CONFIRMATION)
                report += " and its confirmation email queued"
        repaired.append(report)
    return repaired


@attention.reason("receipt", "Receipt not delivered")
def _receipt_not_delivered():
    """The confirmation email failed or bounced: the employer is asked on their page for a
    correct address; staff may correct it and run the email again."""
    failed = Job.objects.of_kind(KIND, Email.CONFIRMATION).needing_attention()
    return Exists(failed.filter(posting=OuterRef("pk")))


BOUNCE_EVENTS = {"bounced", "rejected", "complained"}


@receiver(tracking)
def record_tracking_event(sender, event, esp_name, **kwargs):
    """Delivery reports from the ESP's webhook (anymail normalises them)."""
    if not event.message_id:
        return
    if event.event_type == "delivered":
        runner.report_outcome(event.message_id, delivered=True, at=event.timestamp)
    elif event.event_type in BOUNCE_EVENTS:
        detail = f"{esp_name} reported {event.event_type}: {event.description or ''}"
        runner.report_outcome(event.message_id, delivered=False, at=event.timestamp, detail=detail)
