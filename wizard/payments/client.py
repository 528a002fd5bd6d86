"""The configured Stripe client and the translation of its errors."""

from contextlib import contextmanager
from functools import lru_cache

import stripe
from django.conf import settings

from .exceptions import PaymentProviderUnavailable


def stripe_client():
    return _client(
        settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES
    )


@lru_cache(maxsize=4)
def _client(api_key, api_base, max_network_retries):
    # The SDK retries connection errors, 409, 429 and 5xx itself, reusing the
    # request's Idempotency-Key, so a retried create never creates twice.
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=max_network_retries,
    )


@contextmanager
def provider_errors():
    """Turn transport and server-side Stripe errors into PaymentProviderUnavailable.

    Request errors (4xx other than 429) are bugs or refusals and propagate as they are.
    """
    try:
        yield
    except (
        stripe.APIConnectionError,
        stripe.RateLimitError,
        stripe.AuthenticationError,
        stripe.APIError,
    ) as exc:
        raise PaymentProviderUnavailable(str(exc)) from exc
