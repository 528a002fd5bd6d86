import json
import threading
import urllib.request

import pytest
import stripe


def test_same_key_and_params_replays_the_first_response(api, make_session):
    params = {
        "mode": "payment",
        "success_url": "http://app.test/s",
        "cancel_url": "http://app.test/c",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 500,
                    "product_data": {"name": "X"},
                },
                "quantity": 1,
            }
        ],
    }
    first = api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})
    again = api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})

    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(api.v1.checkout.sessions.list().data) == 1

    with pytest.raises(stripe.IdempotencyError):
        api.v1.checkout.sessions.create(
            params={**params, "client_reference_id": "other"}, options={"idempotency_key": "k1"}
        )


def test_keys_are_scoped_per_api_key(api, proc, make_session):
    params = {
        "mode": "payment",
        "success_url": "http://app.test/s",
        "cancel_url": "http://app.test/c",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 500,
                    "product_data": {"name": "X"},
                },
                "quantity": 1,
            }
        ],
    }
    other_client = stripe.StripeClient(
        "sk_test_other", base_addresses={"api": proc.url}, max_network_retries=0
    )
    first = api.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k"})
    second = other_client.v1.checkout.sessions.create(
        params=params, options={"idempotency_key": "k"}
    )
    assert first.id != second.id


def test_concurrent_requests_with_one_key_create_one_object(proc):
    body = (
        b"mode=payment&success_url=http://a/s&cancel_url=http://a/c"
        b"&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=100"
        b"&line_items[0][price_data][product_data][name]=X&line_items[0][quantity]=1"
    )
    ids = []

    def create():
        request = urllib.request.Request(
            f"{proc.url}/v1/checkout/sessions",
            data=body,
            headers={"Authorization": "Bearer sk_test_x", "Idempotency-Key": "same"},
        )
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request) as response:
            ids.append(json.load(response)["id"])

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8 and len(set(ids)) == 1
