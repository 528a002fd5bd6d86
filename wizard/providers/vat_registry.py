"""Ask a VAT number's registry about it: VIES for an EU (or XI) number, HMRC for a GB one.
The result is one of vat_numbers' Valid, Invalid or Unavailable."""

from . import hmrc_vat, vies
from .vat_numbers import UK


def check(number):
    """Ask the registry of a parsed number (vat_numbers.parse) about it: a call, so no
    lock may be held."""
    if number.startswith(UK):
        return hmrc_vat.lookup(number[2:])
    return vies.check(number[:2], number[2:])
