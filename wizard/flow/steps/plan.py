"""Choose what to buy: one of the plans staff offer (wizard.postings.plans), priced in a
currency the employer may change.

Shown only when there is a choice: more than one listing offered, or more than one
currency; or when the plan chosen was retired since (the employer chooses again). A
board without plans, or with one plan in one currency, never shows it, and its first
payment buys what `plans.listing_for` gives.
"""

from babel.numbers import get_territory_currencies
from django import forms

from wizard.flow.steps.base import Answer, Step
from wizard.payments.exceptions import PlanNotOffered
from wizard.postings import plans

NO_PLAN = "Choose a plan."
FEATURED = "Featured: pinned at the top of the board"


class PlanForm(forms.Form):
    """The plan chosen among the listings offered in the currency the page showed (the
    page sends that currency along: the step reads it as it reads the "Prices in" form)."""

    plan = forms.TypedChoiceField(coerce=int, error_messages={"required": NO_PLAN})

    def __init__(self, data=None, *, listings):
        super().__init__(data)
        self.fields["plan"].choices = [(each.plan.pk, each.name) for each in listings]
        self.fields["plan"].error_messages["invalid_choice"] = (
            "That plan is not offered in this currency. Choose one of the plans shown."
        )


def country_currency(posting, sold):
    """The currency of the posting's office country when a plan is sold in it, else None."""
    if not posting.country:
        return None
    found = get_territory_currencies(posting.country.code)
    return next((code.lower() for code in found if code.lower() in sold), None)


def default_currency(posting):
    """The currency prices are shown in: the one chosen, else the office country's when a
    plan is sold in it, else the board's (plans.default_currency)."""
    sold = plans.currencies()
    if posting.currency in sold:
        return posting.currency
    return country_currency(posting, sold) or plans.default_currency()


def has_choice():
    """More than one listing offered, or more than one currency."""
    sold = plans.currencies()
    return len(sold) > 1 or len(plans.offered(sold[0])) > 1


def describe(listing):
    """ "Featured, EUR 49.00, 60 days": what a listing is, in one line."""
    return f"{listing.name}, {listing.price_display}, {listing.days} days"


class PlanStep(Step):
    name = "plan"
    title = "Plan"
    template_name = "wizard/steps/plan.html"
    reached_status = "plan_chosen"
    ledger_label = "Plan chosen"

    def ledger_note(self, posting):
        chosen = plans.listing_for(posting) if self.is_complete(posting) else None
        return describe(chosen) if chosen else ""

    def is_applicable(self, posting):
        return has_choice() or self.retired(posting)

    def retired(self, posting):
        """A plan was chosen and is no longer offered in its currency."""
        return posting.plan_id is not None and plans.listing_for(posting) is None

    def is_complete(self, posting):
        return posting.plan_id is not None and plans.listing_for(posting) is not None

    def answers(self, posting):
        chosen = plans.listing_for(posting) if posting.plan_id else None
        return [
            Answer("Plan", describe(chosen) if chosen else "", self.change_url(posting, "plan"))
        ]

    def copied_data(self, posting):
        """The plan and currency chosen, while still offered (Step.carry_over sets them)."""
        if not self.is_complete(posting):
            return {}
        return {"plan": posting.plan_id, "currency": posting.currency}

    def carry_over(self, source, draft):
        carried = self.copied_data(source)
        if carried:
            draft.plan_id, draft.currency = carried["plan"], carried["currency"]

    def fill_in(self, posting):
        currency = default_currency(posting)
        first = plans.offered(currency)[0]
        posting.plan, posting.currency = first.plan, currency

    @property
    def example_answers(self):
        return {"plan": str(plans.offered(plans.default_currency())[0].plan.pk)}

    # --- Page ---------------------------------------------------------------------------

    def currency_shown(self, request, posting):
        """The currency asked for (the "Prices in" form, or the plan form's), if sold."""
        asked = (request.GET.get("currency") or request.POST.get("currency") or "").lower()
        return asked if asked in plans.currencies() else default_currency(posting)

    def form(self, currency, data=None):
        return PlanForm(data, listings=plans.offered(currency))

    def context(self, posting, form=None, currency=None):
        currency = currency or default_currency(posting)
        form = form or self.form(currency)
        chosen = form["plan"].value() if form.is_bound else None
        if chosen is None and posting.currency == currency:
            chosen = posting.plan_id
        return {
            "form": form,
            "currency": currency,
            "currencies": [(code, code.upper()) for code in plans.currencies()],
            "listings": plans.offered(currency),
            "chosen": str(chosen or ""),
            "featured_words": FEATURED,
            "retired": PlanNotOffered.message if self.retired(posting) else "",
        }

    def get(self, request, posting):
        currency = self.currency_shown(request, posting)
        return self.render(request, posting, self.context(posting, currency=currency))

    def post(self, request, posting):
        currency = self.currency_shown(request, posting)
        form = self.form(currency, request.POST)
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, form, currency), 422)
        plan_id = form.cleaned_data["plan"]
        chosen = next(each for each in plans.offered(currency) if each.plan.pk == plan_id)

        def change(locked):
            locked.plan_id, locked.currency = plan_id, currency

        return self.save(request, posting, change, why=f"Plan chosen: {describe(chosen)}")
