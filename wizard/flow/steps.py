"""The wizard's steps. Their order is set in wizard.flow."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse

from wizard.effects.runner import ResendTooSoon
from wizard.flow import edits as services
from wizard.flow import finish_later as resume
from wizard.flow.forms import ContactEmailOnlyForm, DetailsForm, LogoForm, ResendForm
from wizard.flow.ledger import Ledger
from wizard.flow.navigation import go_to_step, redirect_to, render_step
from wizard.payments.checkout import start_checkout
from wizard.payments.exceptions import AlreadyPaid, PaymentError
from wizard.postings import review
from wizard.postings.logos import LogoStorageError
from wizard.postings.models import Actor, JobPosting, Status


class Step:
    """One page of the wizard. `flow` is set when the step is listed in a Flow."""

    flow = None
    name = ""
    title = ""
    template_name = ""
    # Steps that change what is paid for are closed once the posting is paid.
    locked_once_paid = True
    # The status from which on this step counts as complete.
    complete_from = None

    @property
    def url_name(self):
        return f"wizard:{self.name}"

    def url(self, posting):
        return reverse(self.url_name, args=[posting.pk])

    def is_complete(self, posting):
        return posting.state.reached(self.complete_from)

    def get(self, request, posting):
        return render_step(request, posting, self, self.context(posting))

    def post(self, request, posting):
        return self.get(request, posting)

    def context(self, posting, **extra):
        return extra

    def locked_response(self, request, posting):
        """Where a request lands when the posting is paid before an edit could apply."""
        messages.info(request, "This posting is paid, so it can no longer be edited.")
        return redirect_to(request, self.flow.after_payment().url(posting))

    def apply_edit(self, request, posting, edit, done_message=None):
        """Run an edit service; on success go to the next step, else explain the refusal."""
        try:
            edit()
        except services.PostingLocked:
            return self.locked_response(request, posting)
        except PaymentError as error:
            messages.error(request, error.message)
            return render_step(request, posting, self, self.context(posting), status=503)
        if done_message:
            messages.success(request, done_message)
        return go_to_step(request, posting, self.flow.next_step(self))


class LogoStep(Step):
    name = "logo"
    title = "Logo"
    template_name = "wizard/steps/logo.html"
    complete_from = Status.LOGO_READY

    def context(self, posting, form=None):
        return {"form": form or LogoForm()}

    def post(self, request, posting):
        if "skip" in request.POST:
            return self.apply_edit(request, posting, lambda: services.skip_logo(posting.pk))
        form = LogoForm(request.POST, request.FILES)
        if not form.is_valid():
            return render_step(request, posting, self, self.context(posting, form), 422)
        try:
            return self.apply_edit(
                request,
                posting,
                lambda: services.attach_logo(posting.pk, form.png_bytes),
                done_message="Logo saved.",
            )
        except LogoStorageError:
            form.add_error(
                None,
                "We could not store your logo just now. Nothing was changed; please try again.",
            )
            return render_step(request, posting, self, self.context(posting, form), 503)


class DetailsStep(Step):
    name = "details"
    title = "Details"
    template_name = "wizard/steps/details.html"
    complete_from = Status.DETAILS_READY

    def context(self, posting, form=None):
        return {"form": form or DetailsForm(instance=posting)}

    def post(self, request, posting):
        if "resume_link" in request.POST:
            return self.email_resume_link(request, posting)
        # The form validates a detached copy; the service applies the clean data
        # to the locked row.
        form = DetailsForm(request.POST, instance=JobPosting.objects.get(pk=posting.pk))
        if not form.is_valid():
            return render_step(request, posting, self, self.context(posting, form), 422)
        return self.apply_edit(
            request,
            posting,
            lambda: services.save_details(posting.pk, form.cleaned_data),
            done_message="Details saved.",
        )

    def email_resume_link(self, request, posting):
        """Save only the contact email and email a link to finish later (wizard.resume).

        The page comes back with what was typed still in the form, unsaved.
        """
        form = ContactEmailOnlyForm(request.POST, instance=JobPosting.objects.get(pk=posting.pk))
        if not form.is_valid():
            return render_step(request, posting, self, self.context(posting, form), 422)
        email = form.cleaned_data["contact_email"]
        try:
            resume.request_link(posting.pk, email)
        except services.PostingLocked:
            return self.locked_response(request, posting)
        except resume.DraftClosed:
            return render(request, "wizard/abandoned.html", {"posting": posting}, status=410)
        except ResendTooSoon:
            messages.warning(
                request,
                "We just sent you a link; please wait a few minutes before asking again.",
            )
            return render_step(request, posting, self, self.context(posting, form))
        days = settings.RESUME_LINK_MAX_AGE_DAYS
        messages.success(
            request,
            f"We emailed a link to {email}. It works for {days} day{'s' if days != 1 else ''}. "
            "Only your email address was saved: the other details are saved when you press "
            "“Save and continue”.",
        )
        posting.refresh_from_db()
        return render_step(request, posting, self, self.context(posting, form))


class PaymentStep(Step):
    name = "payment"
    title = "Payment"
    template_name = "wizard/steps/payment.html"
    complete_from = Status.PAID

    def context(self, posting):
        return {"price": posting.price_display}

    def get(self, request, posting):
        if request.GET.get("cancelled"):
            messages.info(request, "Payment cancelled. You have not been charged.")
        return super().get(request, posting)

    def post(self, request, posting):
        return_url = request.build_absolute_uri(reverse("wizard:payment_return", args=[posting.pk]))
        cancel_url = request.build_absolute_uri(self.url(posting) + "?cancelled=1")
        try:
            checkout_url = start_checkout(posting.pk, success_url=return_url, cancel_url=cancel_url)
        except AlreadyPaid:
            return self.locked_response(request, posting)
        except PaymentError as error:
            messages.error(request, error.message)
            return render_step(request, posting, self, self.context(posting), status=503)
        return redirect_to(request, checkout_url)


class ConfirmationStep(Step):
    name = "confirmation"
    title = "Confirmation"
    template_name = "wizard/steps/confirmation.html"
    locked_once_paid = False
    complete_from = Status.CONFIRMED

    def context(self, posting, form=None):
        ledger = Ledger(posting)
        return {
            "ledger": ledger,
            "settled": ledger.settled,
            "resend_form": form or ResendForm(initial={"contact_email": posting.contact_email}),
        }

    def post(self, request, posting):
        if "withdraw" in request.POST:
            return self.withdraw(request, posting)
        return self.resend(request, posting)

    def withdraw(self, request, posting):
        """Before review the employer may withdraw, for a full refund; they confirm first."""
        if request.POST.get("withdraw") != "confirmed":
            context = {**self.context(posting), "confirm_withdraw": True}
            return render_step(request, posting, self, context)
        try:
            review.withdraw_before_review(posting.pk, by=Actor.employer())
        except PaymentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your posting is withdrawn and your payment refunded.")
        posting.refresh_from_db()
        return render_step(request, posting, self, self.context(posting))

    def resend(self, request, posting):
        """Resend the confirmation, to a corrected address if the employer gave one."""
        form = ResendForm(request.POST)
        if not form.is_valid():
            return render_step(request, posting, self, self.context(posting, form), 422)
        try:
            services.resend_confirmation(posting.pk, form.cleaned_data["contact_email"])
        except ResendTooSoon as wait:
            minutes = max(1, round(wait.wait.total_seconds() / 60))
            messages.warning(request, f"We just sent it. You can ask again in {minutes} min.")
        else:
            messages.success(request, f"We are sending it to {form.cleaned_data['contact_email']}.")
        posting.refresh_from_db()
        return render_step(request, posting, self, self.context(posting))
