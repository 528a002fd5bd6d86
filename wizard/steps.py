"""The wizard's steps. Their order is set in wizard.flow."""

from django.contrib import messages
from django.urls import reverse

from . import services
from .forms import DetailsForm, LogoForm
from .logos import LogoStorageError
from .models import JobPosting, Status
from .navigation import go_to_step, redirect_to, render_step
from .payments.checkout import start_checkout
from .payments.exceptions import AlreadyPaid, PaymentError


class Step:
    name = ""
    title = ""
    template_name = ""
    # Steps that change what is paid for are closed once the posting is paid.
    locked_once_paid = True

    @property
    def url_name(self):
        return f"wizard:{self.name}"

    def url(self, posting):
        return reverse(self.url_name, args=[posting.pk])

    def is_complete(self, posting):
        raise NotImplementedError

    def get(self, request, posting):
        return render_step(request, posting, self, self.context(posting))

    def post(self, request, posting):
        return self.get(request, posting)

    def context(self, posting, **extra):
        return extra

    def next(self):
        from .flow import FLOW

        return FLOW.next_step(self)

    def locked_response(self, request, posting):
        """Where a request lands when the posting is paid before an edit could apply."""
        from .flow import FLOW

        messages.info(request, "This posting is paid, so it can no longer be edited.")
        return redirect_to(request, FLOW.after_payment().url(posting))

    def payment_error_response(self, request, posting, error):
        messages.error(request, error.message)
        return render_step(request, posting, self, self.context(posting), status=503)


class LogoStep(Step):
    name = "logo"
    title = "Logo"
    template_name = "wizard/steps/logo.html"

    def is_complete(self, posting):
        return posting.state.reached(Status.LOGO_READY)

    def context(self, posting, form=None):
        return {"form": form or LogoForm()}

    def post(self, request, posting):
        form = LogoForm(request.POST, request.FILES)
        try:
            if "skip" in request.POST:
                services.skip_logo(posting.pk)
            elif not form.is_valid():
                return render_step(request, posting, self, self.context(posting, form), 422)
            else:
                services.attach_logo(posting.pk, form.png_bytes)
                messages.success(request, "Logo saved.")
        except LogoStorageError:
            form.add_error(
                None, "We could not store your logo just now. Nothing was changed; please try again."
            )
            return render_step(request, posting, self, self.context(posting, form), 503)
        except services.PostingLocked:
            return self.locked_response(request, posting)
        except PaymentError as error:
            return self.payment_error_response(request, posting, error)
        return go_to_step(request, posting, self.next())


class DetailsStep(Step):
    name = "details"
    title = "Details"
    template_name = "wizard/steps/details.html"

    def is_complete(self, posting):
        return posting.state.reached(Status.DETAILS_READY)

    def context(self, posting, form=None):
        return {"form": form or DetailsForm(instance=posting)}

    def post(self, request, posting):
        # The form validates a detached copy; the service applies the clean data
        # to the locked row.
        form = DetailsForm(request.POST, instance=JobPosting.objects.get(pk=posting.pk))
        if not form.is_valid():
            return render_step(request, posting, self, self.context(posting, form), 422)
        try:
            services.save_details(posting.pk, form.cleaned_data)
        except services.PostingLocked:
            return self.locked_response(request, posting)
        except PaymentError as error:
            return self.payment_error_response(request, posting, error)
        messages.success(request, "Details saved.")
        return go_to_step(request, posting, self.next())


class PaymentStep(Step):
    name = "payment"
    title = "Payment"
    template_name = "wizard/steps/payment.html"

    def is_complete(self, posting):
        return posting.is_paid

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
            return self.payment_error_response(request, posting, error)
        return redirect_to(request, checkout_url)


class ConfirmationStep(Step):
    name = "confirmation"
    title = "Confirmation"
    template_name = "wizard/steps/confirmation.html"
    locked_once_paid = False

    def is_complete(self, posting):
        return posting.state.reached(Status.CONFIRMED)

    def context(self, posting):
        from .flow import FLOW

        return {"settled": FLOW.is_settled(posting)}
