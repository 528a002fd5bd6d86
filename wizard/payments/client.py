"""The configured Stripe client, and the one way the app calls it."""

import random
import time
from functools import lru_cache

import stripe
from django.conf import settings

from wizard.payments.exceptions import PaymentProviderUnavailable, ProviderFailedRequest

# Network failures, 409 and 5xx are retried by the SDK itself (max_network_retries),
# reusing the request's Idempotency-Key. It does not retry 429, so we do, briefly:
# these calls run while an employer waits for a page.
RATE_LIMIT_BACKOFF_SECONDS = 0.5


def call(request):
    """Run `request(client)`; raise PaymentProviderUnavailable for transport and server errors.

    Request errors (4xx other than 429) are refusals and propagate as stripe errors.
    """
    client = _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )
    for attempt in range(settings.STRIPE_RATE_LIMIT_RETRIES + 1):
        try:
            return request(client)
        except stripe.RateLimitError as exc:
            if attempt == settings.STRIPE_RATE_LIMIT_RETRIES:
                raise PaymentProviderUnavailable(str(exc)) from exc
            delay = RATE_LIMIT_BACKOFF_SECONDS * 2**attempt
            time.sleep(delay + random.uniform(0, delay / 2))
        except stripe.APIError as exc:
            raise ProviderFailedRequest(str(exc)) from exc
        except (stripe.APIConnectionError, stripe.AuthenticationError) as exc:
            raise PaymentProviderUnavailable(str(exc)) from exc


@lru_cache(maxsize=4)
def _client(api_key, api_base, max_network_retries, timeout):
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )
