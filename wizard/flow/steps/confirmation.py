from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django_fsm import can_proceed

from wizard.flow import edits
from wizard.flow.forms import ResendForm
from wizard.flow.ledger import Ledger
from wizard.flow.steps.base import Step
from wizard.jobs.runner import TooSoon
from wizard.payments import receipt_links, refunds
from wizard.payments.exceptions import PaymentError
from wizard.payments.models import PaymentAttempt, Refund
from wizard.postings.models import Actor, JobPosting


class ConfirmationStep(Step):
    """After payment: the confirmation panel with the short reference, what happens next,
    what has happened (the ledger); resend, a new manage link, withdraw before review."""

    name = "confirmation"
    title = "Confirmation"
    template_name = "wizard/steps/confirmation.html"
    locked_once_paid = False
    counts_as_step = False

    def postings(self):
        """Loaded with whether a refund of its payment is requested (JobPosting.
        refund_requested): the page asks whether the employer may still withdraw."""
        refund = Refund.objects.filter(
            posting=OuterRef("pk"), payment_intent_id=OuterRef("current_attempt__payment_intent_id")
        )
        return JobPosting.objects.annotate(refund_of_current_payment=Exists(refund))

    def is_complete(self, posting):
        """Complete once the payment is confirmed (as it is when recorded; a posting an
        older release left paid waits for the recovery)."""
        return posting.is_paid and not can_proceed(posting.confirm)

    def context(self, posting, form=None):
        ledger = Ledger(posting, self.flow)
        return {
            "ledger": ledger,
            "resend_form": form or ResendForm(initial={"contact_email": posting.contact_email}),
            "lifetime_days": lifetime_days(posting),
            # Stripe's invoice or receipt, through the signed link (wizard.account.receipts)
            "receipt_url": receipt_links.receipt_path(posting.current_attempt_id)
            if posting.is_paid and posting.current_attempt_id
            else "",
        }

    def post(self, request, posting):
        if "withdraw" in request.POST:
            return self.withdraw(request, posting)
        if "new_link" in request.POST:
            return self.new_link(request, posting)
        return self.resend(request, posting)

    def withdraw(self, request, posting):
        """Before review the employer may withdraw, for a full refund; they confirm first."""
        if request.POST.get("withdraw") != "confirmed":
            context = {**self.context(posting), "confirm_withdraw": True}
            return self.render(request, posting, context)
        try:
            record = refunds.refund(
                posting,
                Refund.Reason.WITHDRAWN,
                by=Actor.employer(),
                note="Withdrawn by the employer",
            )
        except PaymentError as error:
            messages.error(request, error.message)
        else:
            if record is None:  # a promotion code paid it all
                messages.success(
                    request,
                    "Your posting is withdrawn. Nothing was charged, so nothing is refunded.",
                )
            elif record.state == Refund.State.SUCCEEDED:
                messages.success(request, "Your posting is withdrawn and your payment refunded.")
            else:  # Stripe accepted it; the bank has yet to make it
                messages.success(
                    request, "Your posting is withdrawn; your refund is on its way to your card."
                )
        posting = JobPosting.objects.get(pk=posting.pk)
        return self.render(request, posting)

    def new_link(self, request, posting):
        """Revoke every manage link sent so far and email a new one to the contact address."""
        try:
            edits.send_new_manage_link(posting.pk)
        except TooSoon as wait:
            minutes = max(1, round(wait.wait.total_seconds() / 60))
            messages.warning(
                request, f"We just sent you a new link. You can ask again in {minutes} min."
            )
        except edits.PostingLocked:
            messages.error(request, "A link to manage the posting comes with its payment.")
        else:
            messages.success(
                request,
                f"We are emailing a new link to {posting.contact_email}. "
                "The links in earlier emails no longer work.",
            )
        posting = JobPosting.objects.get(pk=posting.pk)  # not refresh_from_db()
        return self.render(request, posting)

    def resend(self, request, posting):
        """Resend the confirmation, to a corrected address if the employer gave one."""
        form = ResendForm(request.POST)
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, form), 422)
        try:
            edits.resend_confirmation(posting.pk, form.cleaned_data["contact_email"])
        except TooSoon as wait:
            minutes = max(1, round(wait.wait.total_seconds() / 60))
            messages.warning(request, f"We just sent it. You can ask again in {minutes} min.")
        else:
            messages.success(request, f"We are sending it to {form.cleaned_data['contact_email']}.")
        posting = JobPosting.objects.get(pk=posting.pk)
        return self.render(request, posting)


def lifetime_days(posting):
    """The days on the board the first payment bought (its attempt's record: the plan's
    days when paid); the settings' for an attempt made before plans recorded them."""
    attempt = posting.current_attempt
    if attempt is not None and attempt.purpose == PaymentAttempt.Purpose.FIRST and attempt.days:
        return attempt.days
    return settings.POSTING_LIFETIME_DAYS
