"""API versions, as far as an emulator with one shape of every object can honour them.

Every object fakestripe makes has the shape of API_VERSION, the version of the Stripe SDK
the app pins (stripe 16.x: 2026-10-28.endive). A request may ask for another version in
its Stripe-Version header, as the SDK's `stripe_version` does: like Stripe, a malformed
one is refused (400) and a well-formed one is echoed in the response's Stripe-Version
header; the objects keep their one shape. A webhook endpoint may be given an api_version
(control: POST /_fakestripe/config {"webhook_api_version": ...}); the events sent to it
are labelled with that version instead of API_VERSION, again with the same shape. What
this catches: an app that does not send the version it pins, and an app that does not
notice events labelled with a version other than its pin.
"""

import copy
import re

from fakekit.control import ControlRequestError

from .errors import StripeError
from .store import API_VERSION

# 2026-10-28.endive; before 2024-09-30.acacia versions were dates alone (2024-06-20).
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?")


def is_version(value) -> bool:
    return isinstance(value, str) and _VERSION.fullmatch(value) is not None


def requested(headers) -> str:
    """The version a request asks for (its Stripe-Version header), else API_VERSION;
    raises a 400 StripeError for a header that names no version."""
    value = (headers.get("Stripe-Version") or "").strip()
    if not value:
        return API_VERSION
    if not is_version(value):
        raise StripeError(
            400,
            f"Invalid Stripe API version: {value}. Versions look like {API_VERSION}.",
            validation=True,
        )
    return value


def for_endpoint(event: dict, endpoint_version: str | None) -> dict:
    """The event as a webhook endpoint on `endpoint_version` receives it (None: the
    account's version, API_VERSION)."""
    if not endpoint_version or endpoint_version == event.get("api_version"):
        return event
    labelled = copy.deepcopy(event)
    labelled["api_version"] = endpoint_version
    return labelled


def endpoint_version(value) -> str | None:
    """A webhook_api_version given to the control endpoint, checked (None: unset)."""
    if value is None or is_version(value):
        return value
    raise ControlRequestError(f"webhook_api_version must look like {API_VERSION}, not {value!r}")
