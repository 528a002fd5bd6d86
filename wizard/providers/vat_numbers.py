"""VAT numbers: their format, checked offline (python-stdnum), and the one result type of
both registries (vat_registry.check asks them): the EU's VIES (vies) for a member state's
number (and Northern Ireland's, XI), HMRC (hmrc_vat) for a United Kingdom one (GB).

    number = vat_numbers.parse("de 136 695 976")    # "DE136695976", or FormatError
    result = vat_registry.check(number)             # Valid, Invalid or Unavailable

A registry that says the number is not registered, or that it is malformed
(VIES's INVALID_INPUT, HMRC's 404 and 400), gives Invalid; anything that may be different
in a while (a member state's service down, a timeout, a quota, a 5xx or 429, no answer)
gives Unavailable, with the wait the registry asked for when it said one.
"""

from dataclasses import dataclass
from datetime import timedelta

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat


class FormatError(ValueError):
    """The number cannot be a VAT number: `message` says why, for the employer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Valid:
    name: str
    address: str
    consultation: str = ""  # the registry's reference for this check, when it gives one


@dataclass(frozen=True)
class Invalid:
    reason: str


@dataclass(frozen=True)
class Unavailable:
    code: str  # the registry's code ("MS_UNAVAILABLE", "HTTP 503", "no answer"…)
    retry_after: timedelta | None = None


UK = "GB"
# Greece's numbers carry EL, its ISO code is GR.
ISO_COUNTRY = {"EL": "GR", "XI": "GB"}
ENTER_NUMBER = "Enter your VAT number, starting with its country code, like DE123456789"


def parse(typed):
    """The compact number with its country prefix ("DE136695976", "GB980780684"), or
    FormatError: no lookup is made for a number whose format or check digits are wrong."""
    text = "".join(ch for ch in str(typed) if ch.isalnum()).upper()
    if len(text) < 3 or not text[:2].isalpha():
        raise FormatError(ENTER_NUMBER)
    prefix = text[:2]
    try:
        if prefix == UK:
            return UK + gb_vat.validate(text)
        if prefix.lower() not in eu_vat.MEMBER_STATES and prefix != "EL":
            raise FormatError(
                f"{prefix} is not the code of an EU country or the United Kingdom: {ENTER_NUMBER}"
            )
        return eu_vat.validate(text)
    except stdnum_errors.InvalidLength:
        raise FormatError(f"{text} has the wrong number of characters for a VAT number") from None
    except stdnum_errors.InvalidChecksum:
        raise FormatError(
            f"{text} is not a valid VAT number: its check digits are wrong. Check the number"
        ) from None
    except stdnum_errors.ValidationError:
        raise FormatError(f"{text} is not a valid VAT number. Check the number") from None


def country(number):
    """The ISO 3166 country of a parsed number (Greece's EL is GR, XI is GB)."""
    return ISO_COUNTRY.get(number[:2], number[:2])


def registry_name(number):
    return "HMRC" if number.startswith(UK) else "VIES"
