"""The configured Stripe client, and the one way the app calls it.

Every call has one deadline (STRIPE_DEADLINE_SECONDS while an employer waits for a page,
STRIPE_BACKGROUND_DEADLINE_SECONDS inside `background()`) that bounds all its attempts
and the sleeps between them: each attempt may take only the time left, and no retry
starts when too little is left. A web worker is therefore never killed by the web
server's timeout (WEB_TIMEOUT_SECONDS, checked in settings) while Stripe is down.
"""

import random
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

import requests
import stripe
from django.conf import settings

from wizard.payments.exceptions import (
    PaymentProviderUnavailable,
    ProviderFailedRequest,
    ProviderRejectedKey,
)

# Backoff before retry n (from 0): BACKOFF_SECONDS * 2**n plus up to half of it again.
BACKOFF_SECONDS = 0.5
# No attempt starts with less time than this left before the deadline.
MIN_ATTEMPT_SECONDS = 0.5

_default_deadline = ContextVar("stripe_default_deadline", default=None)
_attempt_timeout = ContextVar("stripe_attempt_timeout", default=None)


@contextmanager
def background():
    """Calls made inside (by the task worker, the reconciler) get the longer
    STRIPE_BACKGROUND_DEADLINE_SECONDS unless they pass their own deadline."""
    token = _default_deadline.set(settings.STRIPE_BACKGROUND_DEADLINE_SECONDS)
    try:
        yield
    finally:
        _default_deadline.reset(token)


def call(request, deadline=None):
    """Run `request(client)` within `deadline` seconds in all; raise
    PaymentProviderUnavailable for transport and server errors and when time runs out.

    Network errors, 409 and 5xx are retried up to STRIPE_MAX_NETWORK_RETRIES times, 429
    up to STRIPE_RATE_LIMIT_RETRIES times, as time allows. A retry calls `request` again:
    a POST that must not happen twice passes its own idempotency_key so that every
    attempt sends the same one. Request errors (4xx other than 429) are refusals and
    propagate as stripe errors.
    """
    if deadline is None:
        deadline = _default_deadline.get() or settings.STRIPE_DEADLINE_SECONDS
    ends = time.monotonic() + deadline
    client = _client(
        settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_API_VERSION
    )
    retried = {"network": 0, "rate limit": 0}
    allowed = {
        "network": settings.STRIPE_MAX_NETWORK_RETRIES,
        "rate limit": settings.STRIPE_RATE_LIMIT_RETRIES,
    }
    while True:
        left = ends - time.monotonic()
        token = _attempt_timeout.set(min(settings.STRIPE_TIMEOUT_SECONDS, left))
        try:
            return request(client)
        except stripe.StripeError as exc:
            kind = _retry_kind(exc)
            if kind is None or retried[kind] >= allowed[kind]:
                if _is_unavailable(exc):
                    raise _unavailable(exc)(_describe(exc)) from exc
                raise
            delay = BACKOFF_SECONDS * 2 ** retried[kind]
            delay += random.uniform(0, delay / 2)
            left = ends - time.monotonic()
            if left - delay < MIN_ATTEMPT_SECONDS:
                raise _unavailable(exc)(
                    f"{_describe(exc)}; gave up at the {deadline:g} s deadline"
                ) from exc
            retried[kind] += 1
            time.sleep(delay)
        finally:
            _attempt_timeout.reset(token)


def _retry_kind(exc):
    """Which retry allowance `exc` draws on, or None when it is not worth retrying."""
    if isinstance(exc, stripe.RateLimitError):
        return "rate limit"
    if isinstance(exc, stripe.APIConnectionError):
        return "network" if exc.should_retry else None
    should_retry = (exc.headers or {}).get("stripe-should-retry")
    if should_retry in ("true", "false"):
        return "network" if should_retry == "true" else None
    if exc.http_status is not None and (exc.http_status == 409 or exc.http_status >= 500):
        return "network"
    return None


def _describe(exc):
    """One short line: what went wrong, without the SDK's advice to contact Stripe."""
    if isinstance(exc, stripe.APIConnectionError):
        cause = exc.__cause__
        return f"no answer from Stripe ({type(cause).__name__ if cause else 'network error'})"
    message = " ".join((exc.user_message or "").split())
    return f"Stripe answered {exc.http_status}" + (f": {message}" if message else "")


def _unavailable(exc):
    """Stripe answered with a 5xx: it began the request and saved that answer for the
    request's idempotency key, so a retry needs a new key (ProviderFailedRequest). A
    refused API key is the operator's to fix (ProviderRejectedKey)."""
    if isinstance(exc, stripe.AuthenticationError):
        return ProviderRejectedKey
    answered = exc.http_status is not None and exc.http_status >= 500
    return ProviderFailedRequest if answered else PaymentProviderUnavailable


def _is_unavailable(exc):
    """Worth trying again later: a 409 too (a request with the same idempotency key still
    at work at Stripe, or a lock timeout), whatever class the SDK gives it (today APIError):
    Stripe saved no answer for the key, so the next try keeps the key."""
    return isinstance(
        exc,
        (
            stripe.RateLimitError,
            stripe.APIConnectionError,
            stripe.AuthenticationError,
            stripe.APIError,
        ),
    ) or (exc.http_status is not None and (exc.http_status == 409 or exc.http_status >= 500))


class _DeadlineSession(requests.Session):
    """Each request waits only as long as the current call's attempt may take."""

    def request(self, method, url, *args, timeout=None, **kwargs):
        return super().request(
            method, url, *args, timeout=_attempt_timeout.get() or timeout, **kwargs
        )


_clients = threading.local()


def _client(api_key, api_base, api_version):
    """One client per thread and configuration: a thread's connections are reused,
    never shared with another thread. Every request asks for `api_version`
    (STRIPE_API_VERSION) in its Stripe-Version header, whatever the account's default."""
    cache = getattr(_clients, "by_config", None)
    if cache is None:
        cache = _clients.by_config = {}
    key = (api_key, api_base, api_version)
    if key not in cache:
        cache[key] = stripe.StripeClient(
            api_key,
            stripe_version=api_version,
            base_addresses={"api": api_base},
            max_network_retries=0,  # retried by call(), within its deadline
            http_client=stripe.RequestsClient(
                timeout=settings.STRIPE_TIMEOUT_SECONDS, session=_DeadlineSession()
            ),
        )
    return cache[key]
