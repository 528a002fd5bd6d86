"""Verify the employer's phone number by SMS (Twilio Verify), when the setting asks for it.

The step's data holds the number being verified (`number`), when and how often a code was
sent to it (`sent_at`, `sends`), and the number once verified (`verified`). The step is
complete while `verified` is the current number: choosing another number undoes it.
Sending a code does not complete the step, so it is a small edit of its own; the calls to
Twilio happen outside any lock.

SMS pumping (toll fraud) is guarded before any SMS: the number must be a plain mobile
number of an allowed country (`destination_refusal`, with phonenumbers); the draft must
have passed the bot check once (`human` in its data; the "send code" form carries the
widget until then); and the caps of wizard.limits must allow one more SMS: different
numbers per draft (`numbers` in its data lists those texted), SMS per browser session,
per client address and per hour site-wide. A refused SMS is explained on the page and
nothing is sent. docs/deploying.md ("SMS pumping") has the policy and the alert.
"""

import logging
import re
from datetime import datetime, timedelta

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.utils import timezone
from phonenumbers import PhoneNumberType

from wizard import limits
from wizard.flow import botcheck, edits
from wizard.flow.navigation import go_to_step
from wizard.flow.steps.base import Answer, Step
from wizard.payments.exceptions import PaymentError
from wizard.postings.text import ascii_digits
from wizard.providers import twilio_verify
from wizard.providers.errors import ProviderRefused, ProviderUnavailable
from wizard.web.client import client_address

logger = logging.getLogger(__name__)

# ASCII digits only (\d would match any script's): numbers are kept and sent as E.164.
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
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

# Only plain mobile numbers are texted: a fixed line cannot read an SMS, and premium-rate,
# shared-cost, personal, UAN, VoIP, pager and voicemail numbers are where SMS pumping
# sends its texts (someone is paid for each one) or are throwaway numbers.
TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "a landline number",
    PhoneNumberType.TOLL_FREE: "a toll-free number",
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.VOIP: "an internet (VoIP) number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal (forwarding) number",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.UAN: "a company (UAN) number",
    PhoneNumberType.VOICEMAIL: "a voicemail number",
}
NON_GEOGRAPHIC = "001"  # phonenumbers' region for +800, +808, +870, +881, +882, +883, +979…


def destination_refusal(number):
    """Why the E.164 `number` may not be texted (a message for the employer), or None."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return "This is not a phone number we recognise: check the country code and number."
    region = phonenumbers.region_code_for_number(parsed)
    if region in (None, NON_GEOGRAPHIC):
        return (
            "We cannot text satellite or international service numbers: please enter a "
            "mobile number."
        )
    kind = phonenumbers.number_type(parsed)
    if kind not in TEXTABLE_TYPES:
        what = TYPE_NAMES.get(kind, "not a mobile number")
        return f"We can only text mobile numbers, and this is {what}: please enter another."
    allowed = settings.PHONE_VERIFICATION_COUNTRIES
    if region in settings.PHONE_VERIFICATION_REFUSED_COUNTRIES or (
        allowed and region not in allowed
    ):
        return (
            "We cannot send SMS codes to numbers in this country: please enter a mobile "
            "number from another."
        )
    return None


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


class PhoneNumberForm(forms.Form):
    phone = forms.CharField(
        label="Mobile phone number",
        max_length=32,
        help_text="In international format, starting with + and the country code, "
        "e.g. +14155550123.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self):
        # Digits in any script (full-width, Arabic-Indic…) as ASCII; any dash or space.
        number = ascii_digits(self.cleaned_data["phone"])
        number = re.sub(r"[\s().\-\u2010-\u2015\u2212]", "", number)
        if number.startswith("00"):
            number = "+" + number[2:]
        if not E164.match(number):
            raise forms.ValidationError(
                "Enter the number in international format: + then the country code and "
                "number, digits only (e.g. +14155550123)."
            )
        refusal = destination_refusal(number)
        if refusal:
            raise forms.ValidationError(refusal)
        return number


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the SMS",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        # Typed in any script's digits, sent to the provider in ASCII.
        code = "".join(ascii_digits(self.cleaned_data["code"]).split())
        if not (code.isascii() and code.isdigit()) or not 4 <= len(code) <= 10:
            raise forms.ValidationError("Enter the code from the SMS: digits only.")
        return code


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
        return self.data(posting).get("verified", "") if self.is_complete(posting) else ""

    def is_applicable(self, posting):
        return settings.PHONE_VERIFICATION_ENABLED

    def answers(self, posting):
        verified = self.data(posting).get("verified", "") if self.is_complete(posting) else ""
        return [Answer("Phone (verified)", verified, self.change_url(posting, "phone"))]

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

    def context(self, posting, phone_form=None, code_form=None):
        data = self.data(posting)
        pending = self.pending_number(posting)
        initial = {"phone": data.get("number", "")}
        return {
            "phone_form": phone_form or PhoneNumberForm(initial=initial),
            "code_form": code_form or CodeForm(),
            "pending_number": pending,
            "verified_number": data.get("verified") if self.is_complete(posting) else None,
            "resend_wait": self.wait_seconds(posting) if pending else 0,
            "next_step": self.flow.next_after(self, posting) if self.is_complete(posting) else None,
        }

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
        form = PhoneNumberForm(request.POST)
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
                done_message=f"{number} is verified.",
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
                f"We just sent a code to {number}. You can ask for a new one in "
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
            form = form or PhoneNumberForm(initial={"phone": number})
            if form.is_bound:
                form.add_error("phone", "This is not a mobile number we can text.")
            return self.refuse(
                request,
                posting,
                f"We cannot send an SMS to {number}: check the number, or use another.",
                phone_form=form,
            )
        except twilio_verify.TooManyCodes:
            return self.refuse(
                request,
                posting,
                f"Too many codes were sent to {number} lately. Please wait about ten minutes "
                "before asking for another one.",
            )
        except ProviderUnavailable as error:
            logger.warning("Phone step: sending a code failed: %s", error)
            return self.refuse(request, posting, UNAVAILABLE, status=503)
        except ProviderRefused as error:
            logger.error("Phone step: Twilio refused our request: %s", error)
            return self.refuse(request, posting, UNAVAILABLE, status=503)

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
        messages.success(request, f"We sent a code by SMS to {number}. Type it in below.")
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
                request, posting, f"We cannot verify {number}: please enter another number."
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
