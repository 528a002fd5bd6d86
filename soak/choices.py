"""What an employer chooses between the details and Pay, and on Stripe's page.

The steps after the details (wizard.flow.order): the plan (shown when staff offer a
choice: soak/staff.py makes one, two plans in EUR and GBP), then the VAT number. Each
employer chooses a plan and a currency; answers the VAT step with no number, a valid
one, or a valid one while VIES is failing (a fault injected through fakeproviders'
control endpoint just before: the number is kept unchecked and its re-check queued, which
must be done by the end, soak/plan_checks.py); and on Stripe's page may type a promotion
code (CODES of soak/staff.py) before paying.
"""

import re
from dataclasses import dataclass

from soak.employer import Unexpected, expect, form_value, location, path_of

VIES_PATH = "/taxation_customs/vies/rest-api/check-vat-number"
# VIES's refusals (and a plain 503) injected before a number is looked up.
VIES_FAULTS = ("MS_UNAVAILABLE", "TIMEOUT", "MS_MAX_CONCURRENT_REQ", "SERVICE_UNAVAILABLE", "503")
VALID_NUMBERS = ("DE136695976", "FR40303265045", "NL004495445B01")
PLANS = {}  # plan name -> id, once staff added them (soak/__main__.py)


@dataclass
class Choices:
    """One employer's answers (decided once, at the start of their visit)."""

    plan: str = "Standard"
    currency: str = "eur"
    vat: str = "none"  # "none", "valid" or "vies_fault"
    code: str = ""  # the promotion code typed on Stripe's page, if any
    vies_fault: str = ""  # the fault injected before the look-up


def choose(rng, profile, free_allowed):
    """An employer's choices. The free code only where no charge is needed afterwards."""
    plan = "Featured" if rng.random() < 0.35 else "Standard"
    currency = "gbp" if rng.random() < 0.35 else "eur"
    roll = rng.random()
    vat = "valid" if roll < 0.3 else "vies_fault" if roll < 0.45 else "none"
    roll = rng.random()
    code = ""
    if roll < 0.15:
        code = "SPRING20"
    elif roll < 0.25:
        code = "TENOFF" if currency == "eur" else "SPRING20"
    elif roll < 0.35 and free_allowed:
        code = "ONUS"
    fault = rng.choice(VIES_FAULTS) if vat == "vies_fault" else ""
    return Choices(plan, currency, vat, code, fault)


def of(outcome):
    """The employer's choices; the defaults for a visit made without (the walk's)."""
    if outcome.choices is None:
        outcome.choices = Choices()
    return outcome.choices


def steps_to_payment(visit, where):
    """From `where` (a step's URL the wizard sent the employer to), answer each step until
    the payment step."""
    for _ in range(6):
        step = path_of(where).rstrip("/").rsplit("/", 1)[-1]
        if step in ("payment", "confirmation"):
            return
        if step == "plan":
            where = choose_plan(visit)
        elif step == "business":
            where = answer_vat(visit)
        else:
            raise Unexpected(f"the wizard led to {where}")
        visit.b.think()
    raise Unexpected("the steps before payment never ended")


def post_step(visit, step, form, what):
    """POST a step's form (after a GET for its token); where the wizard goes next. A 503
    (VIES or a store unavailable for a moment) is tried again."""
    for _ in range(5):
        page = expect(visit.b.get(visit.step_path(step)), 200, what=f"{step} page")
        token = form_value(page.text, "csrfmiddlewaretoken")
        response = visit.b.post(visit.step_path(step), {"csrfmiddlewaretoken": token, **form})
        if response.status_code == 302:
            return location(response)
        if response.status_code != 503:
            raise Unexpected(f"{what}: HTTP {response.status_code}")
        visit.b.retry_pause()
    raise Unexpected(f"{what}: 503 five times")


def choose_plan(visit):
    choices = of(visit.outcome)
    visit.outcome.stage = "plan"
    plan_id = PLANS.get(choices.plan)
    if plan_id is None:
        raise Unexpected(f"no plan {choices.plan!r} set up")
    form = {"currency": choices.currency, "plan": str(plan_id), "choose": "1"}
    return post_step(visit, "plan", form, "choose a plan")


def answer_vat(visit):
    choices = of(visit.outcome)
    visit.outcome.stage = "VAT number"
    if choices.vat == "none":
        return post_step(visit, "business", {"has_vat_number": "no"}, "no VAT number")
    number = VALID_NUMBERS[visit.number % len(VALID_NUMBERS)]
    if choices.vat == "vies_fault":
        visit.fakeproviders.add_fault(choices.vies_fault, method="POST", path=re.escape(VIES_PATH))
    form = {"has_vat_number": "yes", "vat_number": number}
    where = post_step(visit, "business", form, "the VAT number")
    if path_of(where) != visit.step_path("business"):
        return where  # unchecked (VIES failed), or the copy's number checked already
    page = expect(visit.b.get(where), 200, what="is this your business?")
    if 'name="confirm"' not in page.text:
        return where
    return post_step(visit, "business", {"confirm": "1"}, "confirm the business")


def type_code(visit, checkout_url, tab):
    """Type the employer's promotion code on Stripe's page, once, before paying."""
    code = of(visit.outcome).code
    if not code or visit.outcome.code_typed:
        return
    visit.outcome.stage = "promotion code"
    response = tab.post(checkout_url.rstrip("/") + "/promotion_code", {"code": code})
    expect(response, 302, 303, what=f"promotion code {code}")
    visit.outcome.code_typed = code
