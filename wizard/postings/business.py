"""Who pays for a posting: the business's country and VAT number, and what the registry said.

The wizard's business step (wizard.flow.steps.business) keeps these in the posting's step
data under STEP; payments (tax: the Stripe customer's tax ID) and the re-check job read
them here, so that no lower layer reads a step.
"""

from dataclasses import asdict, dataclass

from django.db import models
from django.db.models import Q

from wizard.postings import attention

STEP = "business"


class VatStatus(models.TextChoices):
    NONE = "", "No VAT number given"
    VALID = "valid", "Valid"  # the registry confirmed it, with a name and address
    INVALID = "invalid", "Not valid"  # the registry says it is not registered
    UNCHECKED = "unchecked", "Not checked yet"  # the registry was unavailable: re-checked


@dataclass(frozen=True)
class Business:
    country: str = ""  # ISO 3166 alpha-2, upper case
    vat_number: str = ""  # compact, with its country prefix ("DE123456789", "GB…")
    vat_status: str = VatStatus.NONE
    name: str = ""  # as the registry has it, when valid
    address: str = ""
    checked_at: str = ""  # ISO 8601, when the registry last answered
    # Staff hold publication while a number that later proved invalid is looked at.
    held: bool = False
    registry: str = ""  # who was asked: "VIES" or "HMRC"
    consultation: str = ""  # the registry's reference for its last answer, if it gave one

    @property
    def has_valid_vat_number(self):
        return bool(self.vat_number) and self.vat_status == VatStatus.VALID


def business_of(posting):
    values = posting.step_data.get(STEP) or {}
    known = Business.__dataclass_fields__
    return Business(**{key: value for key, value in values.items() if key in known})


def checks_of(posting):
    """The check history: one dict per answer or failure to answer (at, number, result,
    detail), oldest first (the admin shows it)."""
    return list((posting.step_data.get(STEP) or {}).get("checks", []))


def note_check(posting, *, at, number, result, detail=""):
    """Add one entry to the check history (not saved; call with the posting locked)."""
    entry = {"at": at, "number": number, "result": result, "detail": detail}
    posting.step_data = {
        **posting.step_data,
        STEP: {**posting.step_data.get(STEP, {}), "checks": [*checks_of(posting), entry][-20:]},
    }


def is_held(posting):
    """Publication is held: the number proved invalid after payment (VAT_HOLD_PUBLICATION)."""
    return business_of(posting).held


@attention.reason("vat", "VAT number to look at")
def _vat_to_look_at():
    """A number that proved invalid after it was given, or a publication held for it."""
    return Q(step_data__business__vat_status=VatStatus.INVALID) | Q(step_data__business__held=True)


def keep(posting, business):
    """Store `business` on the posting's step data (not saved; call with it locked)."""
    posting.step_data = {
        **posting.step_data,
        STEP: {**posting.step_data.get(STEP, {}), **asdict(business)},
    }
