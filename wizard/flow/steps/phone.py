"""Verify the employer's phone number by SMS (Twilio Verify), when the setting asks for it.

The step's data holds the number being verified (`number`), when and how often a code was
sent to it (`sent_at`, `sends`), and the number once verified (`verified`). The step is
complete while `verified` is the current number: choosing another number undoes it.
Sending a code does not complete the step, so it is a small edit of its own; the calls to
Twilio happen outside any lock.

SMS pumping (toll fraud) is guarded before any SMS: the number must be a plain mobile
number of an allowed country (phone_forms.py, with phonenumbers); the draft must
have passed the bot check once (`human` in its data; the "send code" form carries the
widget until then); and the caps of wizard.limits must allow one more SMS: different
numbers per draft (`numbers` in its data lists those texted), SMS per browser session,
per client address and per hour site-wide. A refused SMS is explained on the page and
nothing is sent. docs/deploying.md ("SMS pumping") has the policy and the alert.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.utils import timezone

from wizard import limits
from wizard.flow import botcheck, edits
from wizard.flow.navigation import go_to_step
from wizard.flow.steps.base import Answer, Step
from wizard.flow.steps.phone_forms import (
    NOT_TEXTABLE,
    CodeForm,
    PhoneNumberForm,
    international,
    region_of,
)
from wizard.payments.exceptions import PaymentError
from wizard.providers import twilio_verify
from wizard.providers.errors import ProviderRefused, ProviderUnavailable
from wizard.web.client import client_address

logger = logging.getLogger(__name__)

UNAVAILABLE = "The SMS service is unavailable just now; please try again in a moment."
PROVE_HUMAN = (
    "Please complete the check that you're human (it needs JavaScript), then press Send "
    "code again. No SMS was sent."
)
TOO_MANY_NUMBERS = (
    "This draft has had codes sent to {limit} different numbers already: please verify "
    "one of those, or start again later."
)
TOO_MANY_SMS = (
    "Too many SMS codes were asked for from here in the last hour. No SMS was sent: "
    "please try again later."
)
SITE_BUSY = (
    "We are not sending SMS codes just now (too many were sent in the last hour). No SMS "
    "was sent: please try again later."
)
# The page shows one form at a time; this query asks for the number form while a code is
# pending or a number is verified ("Use another number").
ANOTHER_NUMBER = "another"


class SmsRefused(Exception):
    """One more SMS is over a limit: `message` for the page."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def take_sms_limits(request, posting_id, number, new_number):
    """Count one more SMS (and a new number for the draft) against every cap, or count
    nothing and raise SmsRefused."""
    session = request.session.session_key
    address = client_address(request)
    with transaction.atomic():  # a refusal by a later cap rolls back the earlier ones
        if new_number and not limits.SMS_NUMBERS_PER_DRAFT.take(str(posting_id)):
            raise SmsRefused(TOO_MANY_NUMBERS.format(limit=limits.SMS_NUMBERS_PER_DRAFT.limit))
        if session and not limits.SMS_PER_SESSION.take(session):
            raise SmsRefused(TOO_MANY_SMS)
        if address and not limits.SMS_PER_CLIENT.take(address):
            raise SmsRefused(TOO_MANY_SMS)
        if not limits.SMS_SITE_WIDE.take(limits.SITE):
            logger.error(
                "Phone step: the site-wide SMS cap (%s an hour) is reached; no SMS is sent "
                "until the hour's count falls.",
                limits.SMS_SITE_WIDE.limit,
            )
            raise SmsRefused(SITE_BUSY)


def resend_seconds():
    return settings.PHONE_CODE_RESEND_SECONDS


class PhoneStep(Step):
    """Enter a mobile number, receive a code by SMS, type it in."""

    name = "phone"
    title = "Phone"
    template_name = "wizard/steps/phone.html"
    reached_status = "phone_verified"
    ledger_label = "Phone verified"

    def ledger_note(self, posting):
        return international(self.data(posting)["verified"]) if self.is_complete(posting) else ""

    def is_applicable(self, posting):
        return settings.PHONE_VERIFICATION_ENABLED

    def answers(self, posting):
        verified = self.data(posting).get("verified", "") if self.is_complete(posting) else ""
        return [
            Answer(
                "Phone (verified)",
                international(verified) if verified else "",
                self.change_url(posting, "phone"),
            )
        ]

    def change_url(self, posting, field):
        # A verified number's page shows no number field until "Use another number".
        return self.url(posting) + f"?{ANOTHER_NUMBER}&change=1#id_{field}"

    def is_complete(self, posting):
        data = self.data(posting)
        verified = data.get("verified")
        return bool(verified) and verified == data.get("number")

    def fill_in(self, posting):
        number = "+14155550123"
        self.set_data(
            posting, number=number, verified=number, verified_at=timezone.now().isoformat()
        )

    # --- Page ---------------------------------------------------------------------------

    def pending_number(self, posting):
        """The number a code was sent to and not yet verified, if any."""
        data = self.data(posting)
        number = data.get("number")
        return number if number and number != data.get("verified") else None

    def wait_seconds(self, posting):
        """Seconds before another code may be sent to the pending number (0: now)."""
        sent_at = self.data(posting).get("sent_at")
        if not sent_at:
            return 0
        ready = datetime.fromisoformat(sent_at) + timedelta(seconds=resend_seconds())
        return max(0, int((ready - timezone.now()).total_seconds() + 0.999))

    def default_country(self, posting):
        """The country the number form starts with: the posting's, else the site's."""
        return posting.country.code if posting.country else settings.PHONE_DEFAULT_COUNTRY

    def phone_form(self, posting, data=None):
        """The number form, in the country of the number last sent, else the posting's."""
        number = self.data(posting).get("number")
        posting_country = self.default_country(posting)
        return PhoneNumberForm(
            data,
            country=(number and region_of(number)) or posting_country,
            likely=[posting_country],
        )

    def context(self, posting, phone_form=None, code_form=None, another_number=False):
        data = self.data(posting)
        pending = self.pending_number(posting)
        verified = data.get("verified") if self.is_complete(posting) else None
        if phone_form is not None or another_number or not (pending or verified):
            showing = "number"
        else:
            showing = "code" if pending else "verified"
        return {
            "showing": showing,
            "phone_form": phone_form or self.phone_form(posting),
            "code_form": code_form or CodeForm(),
            "pending_number": international(pending) if pending else None,
            "verified_number": international(verified) if verified else None,
            "resend_wait": self.wait_seconds(posting) if pending else 0,
            "another_number_query": ANOTHER_NUMBER,
            "next_step": self.flow.next_after(self, posting) if verified else None,
        }

    def get(self, request, posting):
        another = request.method == "GET" and ANOTHER_NUMBER in request.GET
        return self.render(request, posting, self.context(posting, another_number=another))

    def render(self, request, posting, context=None, status=200):
        context = context or self.context(posting)
        if not self.data(posting).get("human"):
            # The proof before the first SMS: a fresh widget (an emulator token is spent
            # once, and names the host it was solved on).
            context = {**botcheck.widget_context(request, botcheck.SMS_ACTION), **context}
        return super().render(request, posting, context, status)

    def refuse(self, request, posting, message, status=422, **forms_):
        messages.error(request, message)
        return self.render(request, posting, self.context(posting, **forms_), status)

    # --- Requests -----------------------------------------------------------------------

    def post(self, request, posting):
        if "check" in request.POST:
            return self.check_code(request, posting)
        if "resend" in request.POST:
            return self.resend_code(request, posting)
        return self.send_code(request, posting)

    def send_code(self, request, posting):
        form = self.phone_form(posting, request.POST)
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, phone_form=form), 422)
        number = form.cleaned_data["phone"]
        data = self.data(posting)
        if number == data.get("verified"):
            # Back to the number already verified: nothing to send.
            return self.save(
                request,
                posting,
                lambda p: self.set_data(p, number=number),
                why="Phone number verified",
                done_message=f"{international(number)} is verified.",
            )
        if number == data.get("number"):
            return self.resend_code(request, posting)
        return self.send_to(request, posting, number, form=form)

    def resend_code(self, request, posting):
        number = self.pending_number(posting)
        if number is None:
            return self.refuse(request, posting, "Enter your phone number first.")
        wait = self.wait_seconds(posting)
        if wait:
            return self.refuse(
                request,
                posting,
                f"We just sent a code to {international(number)}. You can ask for a new one in "
                f"{wait} second{'s' if wait != 1 else ''}.",
            )
        return self.send_to(request, posting, number)

    def send_to(self, request, posting, number, form=None):
        """Ask Twilio to text a code (no lock held), then record the pending number: only
        once the draft has passed the bot check and the SMS caps allow it."""
        previous = self.data(posting)
        if not previous.get("human"):
            try:
                botcheck.verify(request, botcheck.SMS_ACTION, missing=PROVE_HUMAN)
            except botcheck.BotCheckFailed as refusal:
                return self.refuse(
                    request, posting, refusal.message, status=refusal.status, phone_form=form
                )
        new_number = number not in previous.get("numbers", [])
        try:
            take_sms_limits(request, posting.pk, number, new_number)
        except SmsRefused as refusal:
            return self.refuse(request, posting, refusal.message, phone_form=form)
        try:
            twilio_verify.start(number)
        except twilio_verify.PhoneNumberInvalid:
            form = form or self.phone_form(posting)
            if form.is_bound:
                form.add_error("phone", NOT_TEXTABLE)
            return self.refuse(
                request,
                posting,
                f"We cannot send an SMS to {international(number)}: check the number, or "
                "use another.",
                phone_form=form,
            )
        except twilio_verify.TooManyCodes:
            return self.refuse(
                request,
                posting,
                f"Too many codes were sent to {international(number)} lately. Please wait "
                "about ten minutes before asking for another one.",
                phone_form=form,
            )
        except ProviderUnavailable as error:
            logger.warning("Phone step: sending a code failed: %s", error)
            return self.refuse(request, posting, UNAVAILABLE, status=503, phone_form=form)
        except ProviderRefused as error:
            logger.error("Phone step: Twilio refused our request: %s", error)
            return self.refuse(request, posting, UNAVAILABLE, status=503, phone_form=form)

        def change(p):
            sends = previous.get("sends", 0) + 1 if previous.get("number") == number else 1
            numbers = self.data(p).get("numbers", [])
            self.set_data(
                p,
                number=number,
                sent_at=timezone.now().isoformat(),
                sends=sends,
                human=True,
                numbers=numbers if number in numbers else [*numbers, number],
            )

        try:
            posting = edits.edit(self.flow, posting.pk, change, why="Phone code sent")
        except edits.PostingLocked:
            return self.locked_response(request, posting)
        except PaymentError as error:
            messages.error(request, error.message)
            return self.render(request, posting, status=503)
        # The page names the number beside the code's field; this only says it happened.
        messages.success(request, "Code sent by SMS.")
        return go_to_step(request, posting, self)

    def check_code(self, request, posting):
        number = self.pending_number(posting)
        if number is None:
            if self.is_complete(posting):
                return go_to_step(request, posting, self.flow.next_after(self, posting))
            return self.refuse(request, posting, "Enter your phone number first.")
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, code_form=form), 422)
        try:
            approved = twilio_verify.check(number, form.cleaned_data["code"])
        except twilio_verify.NoPendingCode as error:
            if "60202" in error.detail:
                message = "Too many wrong codes; ask for a new code."
            else:
                message = "That code has expired or was already used; ask for a new code."
            return self.refuse(request, posting, message)
        except twilio_verify.PhoneNumberInvalid:
            return self.refuse(
                request,
                posting,
                f"We cannot verify {international(number)}: please enter another number.",
                phone_form=self.phone_form(posting),
            )
        except ProviderUnavailable as error:
            logger.warning("Phone step: checking a code failed: %s", error)
            return self.refuse(request, posting, UNAVAILABLE, status=503, code_form=form)
        except ProviderRefused as error:
            logger.error("Phone step: Twilio refused our request: %s", error)
            return self.refuse(request, posting, UNAVAILABLE, status=503, code_form=form)
        if not approved:
            form.add_error("code", "That code is not right. Check the SMS and try again.")
            return self.render(request, posting, self.context(posting, code_form=form), 422)

        def change(p):
            # Only if the number was not changed meanwhile (in another tab, say).
            if self.data(p).get("number") == number:
                self.set_data(p, verified=number, verified_at=timezone.now().isoformat())

        return self.save(
            request, posting, change, why="Phone verified", done_message="Phone number verified."
        )
