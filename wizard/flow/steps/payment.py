from django.contrib import messages
from django.urls import reverse

from wizard.flow import botcheck
from wizard.flow.navigation import redirect_to
from wizard.flow.steps.base import Step
from wizard.payments import tax
from wizard.payments.checkout import start_checkout
from wizard.payments.exceptions import (
    AlreadyPaid,
    ContentChanged,
    PaymentError,
    PaymentProcessing,
)
from wizard.payments.methods import delayed_method
from wizard.postings import plans
from wizard.postings.models import JobPosting, Status


class PaymentStep(Step):
    """Pay on Stripe's hosted page; the return URL and the webhook confirm it."""

    name = "payment"
    title = "Payment"
    template_name = "wizard/steps/payment.html"
    takes_payment = True

    def is_complete(self, posting):
        return posting.is_paid

    def context(self, posting, **extra):
        context = {
            "price": posting.price_display,
            "price_note": tax.price_note(posting),
            "bought": bought(posting),
            "answers": self.review(posting),
            **extra,
        }
        if posting.is_payment_processing:  # no Pay button, so no bot check either
            return {"processing": processing(posting), **context}
        return context

    def review(self, posting):
        """Every answer given before payment, step by step, as the steps list them."""
        return [
            answer for step in self.flow.before_payment(posting) for answer in step.answers(posting)
        ]

    def render(self, request, posting, context=None, status=200):
        context = context or self.context(posting)
        if "processing" not in context:
            # A fresh bot-check token (emulator) each time the page is drawn: each is spent
            # once, and names the host it was solved on (the request's).
            context = {**botcheck.widget_context(request), **context}
        return super().render(request, posting, context, status)

    def get(self, request, posting):
        if request.GET.get("cancelled"):
            messages.info(request, "Payment cancelled. You have not been charged.")
        return self.render(request, posting)

    def post(self, request, posting):
        if posting.is_payment_processing:  # a stale tab: its money is on its way already
            messages.info(request, PaymentProcessing.message)
            return self.render(request, posting, status=PaymentProcessing.status)
        # Pay for what was reviewed, or not at all: another tab may have edited it since.
        reviewed = request.POST.get("reviewed", "")
        if reviewed != posting.content_digest:
            messages.warning(request, ContentChanged.message)
            return self.render(request, posting, status=409)
        # Card testers must not reach Stripe: the bot check comes before any checkout.
        try:
            botcheck.verify(request)
        except botcheck.BotCheckFailed as refusal:
            messages.error(request, refusal.message)
            return self.render(request, posting, status=refusal.status)
        return_url = request.build_absolute_uri(reverse("wizard:payment_return", args=[posting.pk]))
        cancel_url = request.build_absolute_uri(self.url(posting) + "?cancelled=1")
        try:
            checkout_url = start_checkout(
                posting.pk, success_url=return_url, cancel_url=cancel_url, reviewed=reviewed
            )
        except AlreadyPaid:
            return self.locked_response(request, posting)
        except PaymentProcessing as processing_now:  # completed by a delayed method meanwhile
            messages.info(request, processing_now.message)
            posting = JobPosting.objects.get(pk=posting.pk)
            return self.render(request, posting, status=processing_now.status)
        except ContentChanged as changed:  # edited between this check and the reservation
            messages.warning(request, changed.message)
            posting = JobPosting.objects.get(pk=posting.pk)
            return self.render(request, posting, status=409)
        except PaymentError as error:  # each Stripe refusal or outage, typed: never a 500
            messages.error(request, error.message)
            posting = JobPosting.objects.get(pk=posting.pk)
            return self.render(request, posting, status=error.status)
        return redirect_to(request, checkout_url)


def processing(posting):
    """What the payment page says while a delayed method's payment is processing: the
    method, how long it usually takes, and since when."""
    attempt = posting.current_attempt
    method = delayed_method(attempt.payment_method_type if attempt else "")
    started = posting.transitions.filter(target=Status.PAYMENT_PROCESSING).last()
    return {"method": method, "since": started.at if started else None}


def bought(posting):
    """What the payment buys (plans.Listing): the attempt's record while it holds its
    price (what Stripe charges, whatever staff change meanwhile), else the listing chosen."""
    attempt = posting.current_attempt
    if attempt is not None and attempt.holds_its_price and attempt.days:
        name = attempt.plan.name if attempt.plan_id else plans.standard_listing().name
        return plans.Listing(
            attempt.plan, name, attempt.days, attempt.featured, attempt.amount, attempt.currency
        )
    return plans.listing_for(posting)
