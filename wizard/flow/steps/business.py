"""Does the business have a VAT number? Asked when VAT_NUMBER_CHECK is on, just before
payment; the answer is kept through wizard.postings.business (Business), which payments
(the Stripe customer's tax ID) and the re-check job read.

No: nothing more is asked (Stripe's checkout collects the billing address). Yes: the
number's format and check digits first, offline (vat_numbers.parse: a clear error,
nothing looked up), then its registry, outside any lock (VIES, or HMRC for GB):
- valid: a second page, "Is this your business?", with the registered name and address;
  "Yes, continue" completes the step, "No, use another number" asks again;
- invalid: refused in the error summary; nothing is stored;
- unavailable: stored as UNCHECKED, and its re-check queued in the same transaction
  (wizard.effects.vat_recheck); the employer goes on and may pay now.
The step is complete with No, with a confirmed valid number, or with an unchecked one.
"""

from dataclasses import asdict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.utils import timezone

from wizard.effects.vat_recheck import queue_recheck
from wizard.flow.navigation import go_to_step
from wizard.flow.steps.base import Answer, Step
from wizard.postings.business import STEP, Business, VatStatus, business_of, keep, note_check
from wizard.providers import vat_numbers, vat_registry
from wizard.providers.vat_numbers import Invalid, Unavailable

YES, NO = "yes", "no"
CONFIRM, ANOTHER = "confirm", "another"


class VatNumberForm(forms.Form):
    has_vat_number = forms.ChoiceField(
        label="Does your business have a VAT number?",
        choices=[(YES, "Yes"), (NO, "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if your business has a VAT number"},
    )
    vat_number = forms.CharField(
        label="VAT number",
        required=False,  # only when Yes is chosen (clean)
        max_length=32,
        help_text="For example, DE123456789 or GB123456789",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_vat_number") != YES:
            cleaned["vat_number"] = ""
            return cleaned
        typed = cleaned.get("vat_number", "").strip()
        if not typed:
            self.add_error("vat_number", "Enter your VAT number, or choose No")
            return cleaned
        try:
            cleaned["vat_number"] = vat_numbers.parse(typed)
        except vat_numbers.FormatError as error:
            self.add_error("vat_number", error.message)
        return cleaned


class BusinessStep(Step):
    name = STEP
    title = "VAT number"
    template_name = "wizard/steps/business.html"
    reached_status = "vat_number_given"
    ledger_label = "VAT number given"

    def is_applicable(self, posting):
        return settings.VAT_NUMBER_CHECK

    def is_complete(self, posting):
        data = self.data(posting)
        if data.get("answer") == NO:
            return True
        status = data.get("vat_status")
        return data.get("answer") == YES and (
            status == VatStatus.UNCHECKED or (status == VatStatus.VALID and data.get("confirmed"))
        )

    def ledger_note(self, posting):
        business = business_of(posting)
        return business.vat_number if self.is_complete(posting) else ""

    def answers(self, posting):
        return [Answer("VAT number", self.summary(posting), self.change_url(posting, "vat"))]

    def summary(self, posting):
        if not self.is_complete(posting):
            return ""
        business = business_of(posting)
        if not business.vat_number:
            return "No VAT number"
        if business.vat_status == VatStatus.VALID:
            return ", ".join(part for part in (business.vat_number, business.name) if part)
        return f"{business.vat_number} (not checked yet: we will check it again)"

    def change_url(self, posting, field):
        return self.url(posting) + "?change=1#id_has_vat_number_0"

    example_answers = {"has_vat_number": NO}

    def fill_in(self, posting):
        self.set_data(posting, answer=NO, confirmed=False, **asdict(Business()))

    def copied_data(self, posting):
        """A copy keeps the number, not its check: it is checked again."""
        business = business_of(posting)
        if not business.vat_number:
            return {}
        return {"answer": YES, "vat_number": business.vat_number, "country": business.country}

    # --- Pages ----------------------------------------------------------------------------

    def confirming(self, posting):
        data = self.data(posting)
        return data.get("vat_status") == VatStatus.VALID and not data.get("confirmed")

    def context(self, posting, form=None):
        business = business_of(posting)
        data = self.data(posting)
        confirming = form is None and self.confirming(posting)
        if form is None and business.vat_status == VatStatus.INVALID:
            form = self.proved_invalid(business)
        if form is None:
            initial = {}
            if data.get("answer"):
                initial = {"has_vat_number": data["answer"], "vat_number": business.vat_number}
            form = VatNumberForm(initial=initial)
        return {
            "form": form,
            "confirming": confirming,
            "business": business,
            "registry": vat_numbers.registry_name(business.vat_number or "XX"),
        }

    def proved_invalid(self, business):
        """The form as the employer left it, with the registry's later answer as its error:
        the number went on unchecked (the registry was down), and the re-check found it is
        not registered, before payment (wizard.effects.vat_recheck)."""
        number = business.vat_number
        form = VatNumberForm({"has_vat_number": YES, "vat_number": number})
        form.is_valid()
        form.add_error(
            "vat_number",
            f"We checked {number} again: {vat_numbers.registry_name(number)} says it is not a "
            "registered VAT number. Check the number, or choose No.",
        )
        return form

    def post(self, request, posting):
        if CONFIRM in request.POST:
            return self.confirm(request, posting)
        if ANOTHER in request.POST:
            return self.save(
                request,
                posting,
                lambda p: self.set_data(p, answer="", confirmed=False, **asdict(Business())),
                why="Another VAT number",
            )
        form = VatNumberForm(request.POST)
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, form), 422)
        if form.cleaned_data["has_vat_number"] == NO:
            return self.save(
                request,
                posting,
                lambda p: self.set_data(p, answer=NO, confirmed=False, **asdict(Business())),
                why="No VAT number",
            )
        return self.look_up(request, posting, form)

    def look_up(self, request, posting, form):
        """Ask the registry (no lock held), then store its answer under the lock."""
        number = form.cleaned_data["vat_number"]
        registry = vat_numbers.registry_name(number)
        result = vat_registry.check(number)
        if isinstance(result, Invalid):
            form.add_error(
                "vat_number",
                f"{registry} says {number} is not a registered VAT number. Check the number, "
                "or choose No.",
            )
            return self.render(request, posting, self.context(posting, form), 422)
        now = timezone.now().isoformat()
        business = Business(
            country=vat_numbers.country(number), vat_number=number, registry=registry
        )
        if isinstance(result, Unavailable):
            return self.save(
                request,
                posting,
                lambda p: self._store_unchecked(p, business, now, result.code),
                why="VAT number given; its registry was unavailable",
                done_message=unavailable_message(registry, number),
                done_level=messages.WARNING,  # saved, but not checked: not a success
            )

        def store_valid(p):
            keep(
                p,
                Business(
                    **{
                        **asdict(business),
                        "vat_status": VatStatus.VALID,
                        "name": result.name,
                        "address": result.address,
                        "checked_at": now,
                        "consultation": result.consultation,
                    }
                ),
            )
            self.set_data(p, answer=YES, confirmed=False)
            note_check(p, at=now, number=number, result="valid")

        return self.save(request, posting, store_valid, why="VAT number checked: valid")

    def _store_unchecked(self, posting, business, now, code):
        keep(posting, Business(**{**asdict(business), "vat_status": VatStatus.UNCHECKED}))
        self.set_data(posting, answer=YES, confirmed=False)
        note_check(posting, at=now, number=business.vat_number, result="unavailable", detail=code)
        queue_recheck(posting, business.vat_number)

    def go_on(self, request, posting):
        if self.confirming(posting):
            return go_to_step(request, posting, self)  # "Is this your business?"
        return super().go_on(request, posting)

    def confirm(self, request, posting):
        if not self.confirming(posting):
            return go_to_step(request, posting, self)
        return self.save(
            request,
            posting,
            lambda p: self.set_data(p, confirmed=True),
            why="VAT number confirmed",
        )


def unavailable_message(registry, number):
    message = (
        f"{registry} could not be reached just now, so we could not check {number}. You can "
        "pay now: we will check the number again"
    )
    if settings.VAT_HOLD_PUBLICATION:
        return message + ", and publish your posting once it is confirmed."
    return message + "."
