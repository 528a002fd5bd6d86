"""Reading what fakestripe has, through its /v1 API as any client reads Stripe.

The soak's reads go through the same API the app uses, so a fault injected by the chaos
may hit one of them instead of the app: each read is retried until it is answered.
"""

import time

import requests

AUTHORIZATION = {"Authorization": "Bearer sk_test_jobwizard_soak_checks"}


def get(url, params=None, attempts=10):
    """The JSON answer of a GET, retrying faults; RuntimeError when none is answered."""
    for attempt in range(attempts):
        try:
            response = requests.get(url, params=params, headers=AUTHORIZATION, timeout=10)
            if response.status_code == 200:
                return response.json()
        except requests.RequestException:
            pass
        time.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"fakestripe did not answer {url}")


def list_all(api_base, path, **filters):
    """Every object of a /v1 list endpoint (filters as query parameters)."""
    objects, after = [], None
    while True:
        params = {"limit": 100, **filters, **({"starting_after": after} if after else {})}
        page = get(api_base + path, params)
        objects += page["data"]
        if not page["has_more"]:
            return objects
        after = page["data"][-1]["id"]


def charge_of_session(api_base, session_id):
    """The charge that paid a Checkout Session (its PaymentIntent's latest), or None."""
    session = get(f"{api_base}/v1/checkout/sessions/{session_id}")
    intent = session.get("payment_intent")
    if not intent:
        return None
    payment_intent = get(f"{api_base}/v1/payment_intents/{intent}")
    charge_id = payment_intent.get("latest_charge")
    return get(f"{api_base}/v1/charges/{charge_id}") if charge_id else None
