"""Stripe's check of an email address it is given (Checkout's customer_email): a 400
invalid_request_error, code email_invalid, param customer_email, for an address Stripe
rejects. Refused before anything executes, so nothing is saved for the idempotency key.

What fakestripe refuses: anything but one local part and one domain around one "@"; any
space or control character; a local part over 64 characters, an address over 512 (the
length Stripe's email fields accept); a domain without a dot, with an empty label, a
label that starts or ends with "-", characters other than letters, digits and "-", or a
top-level label shorter than two letters. Stripe's own rules are not published in full;
these are the cases it is known to reject.
"""

import re

from .errors import invalid_param

MAX_LENGTH = 512
MAX_LOCAL_LENGTH = 64
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_TOP_LEVEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]+")


def is_valid(address: str) -> bool:
    if not isinstance(address, str) or len(address) > MAX_LENGTH:
        return False
    local, at, domain = address.rpartition("@")
    if not at or not local or len(local) > MAX_LOCAL_LENGTH:
        return False
    if not _LOCAL.fullmatch(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    return bool(_TOP_LEVEL.fullmatch(labels[-1]))


def check(params: dict, param: str = "customer_email"):
    """Raise Stripe's 400 when params[param] is given and is not an address Stripe takes."""
    address = params.get(param)
    if address in (None, ""):
        return
    if not is_valid(address):
        raise invalid_param(f"Invalid email address: {address}", param=param, code="email_invalid")
