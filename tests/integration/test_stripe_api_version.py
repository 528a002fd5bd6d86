"""The Stripe API version is pinned (STRIPE_API_VERSION) and sent on every request; events
on another version are processed with a warning; thin (v2) event notifications are
acknowledged and ignored."""

import json
import logging
import time

import pytest
import stripe
from django.conf import settings

from tests.conftest import WEBHOOK_SECRET, stripe_api
from tests.factories import own, posting_at
from tests.fakestripe_process import sign_webhook
from tests.integration.test_payment import press_pay, session_id_from
from tests.integration.test_webhooks import deliver
from wizard.jobs.models import Job
from wizard.models import JobPosting, Status, StripeEvent
from wizard.payments import client as stripe_client

pytestmark = pytest.mark.django_db


def test_the_pin_is_the_installed_sdks_api_version():
    """pyproject.toml bounds stripe to the SDKs of this version; upgrading past them must
    move the pin (and the webhook endpoint) on purpose."""
    assert settings.STRIPE_API_VERSION == "2026-10-28.endive"
    assert stripe._api_version._ApiVersion.CURRENT == settings.STRIPE_API_VERSION


def test_every_request_asks_for_the_pinned_version(fakestripe, settings):
    """fakestripe answers with the version a request asked for, as Stripe does."""
    listed = stripe_client.call(lambda client: client.v1.checkout.sessions.list())
    assert listed.last_response.headers["Stripe-Version"] == "2026-10-28.endive"
    settings.STRIPE_API_VERSION = "2025-03-31.basil"
    listed = stripe_client.call(lambda client: client.v1.checkout.sessions.list())
    assert listed.last_response.headers["Stripe-Version"] == "2025-03-31.basil"


def test_pay_opens_its_checkout_on_the_pinned_version(client, fakestripe, settings, monkeypatch):
    settings.STRIPE_API_VERSION = "2025-03-31.basil"
    sent = []
    original = stripe_client._DeadlineSession.request

    def spy(self, method, url, *args, headers=None, **kwargs):
        sent.append((method, url, (headers or {}).get("Stripe-Version")))
        return original(self, method, url, *args, headers=headers, **kwargs)

    monkeypatch.setattr(stripe_client._DeadlineSession, "request", spy)
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    assert session_id_from(press_pay(client, posting))
    creates = [version for method, url, version in sent if method.lower() == "post"]
    assert creates and set(creates) == {"2025-03-31.basil"}


def test_an_event_on_another_api_version_is_processed_with_a_warning(
    client, fakestripe, run_tasks, caplog
):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    session_id = session_id_from(press_pay(client, posting))
    fakestripe.pay(session_id)
    events = stripe_api().v1.events.list(params={"type": "checkout.session.completed"})
    event = events.data[0].to_dict()
    event["api_version"] = "2024-06-20"  # an endpoint made before the pin, before acacia
    with caplog.at_level(logging.WARNING, logger="wizard.payments.webhooks"):
        assert deliver(client, event).status_code == 200
    [warning] = [r for r in caplog.records if "API version" in r.getMessage()]
    assert "'2024-06-20'" in warning.getMessage()
    assert "2026-10-28.endive" in warning.getMessage()
    run_tasks()
    assert StripeEvent.objects.get().state == "processed"
    assert JobPosting.objects.get(pk=posting.pk).is_paid


def thin_event(**overrides):
    """A thin event notification as an event destination of the thin kind sends it
    (docs.stripe.com/event-destinations#thin-payload)."""
    return {
        "id": "evt_test_65R9Ijk8e1ZJ5ZRsq1j16R9NVv4bSQ0Jf0xoMAXNlOKKo",
        "object": "v2.core.event",
        "type": "v1.billing.meter.error_report_triggered",
        "livemode": False,
        "created": "2026-12-05T21:00:00.000Z",
        "context": None,
        "related_object": {
            "id": "mtr_test_61R9Ijk8e1ZJ5ZRsq1j16R9NVv4bSQ0J",
            "type": "billing.meter",
            "url": "/v1/billing/meters/mtr_test_61R9Ijk8e1ZJ5ZRsq1j16R9NVv4bSQ0J",
        },
        **overrides,
    }


@pytest.mark.parametrize(
    "body",
    [thin_event(), thin_event(object="event")],
    ids=["v2.core.event", "the thin shape"],
)
def test_a_thin_event_notification_is_acknowledged_and_ignored(client, settings, body):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    raw = json.dumps(body).encode()
    if body["object"] == "v2.core.event":
        # The SDK reads it as a thin event notification, as Stripe's docs have it.
        sdk = stripe.StripeClient("sk_test_x")
        notification = sdk.parse_event_notification(
            raw, sign_webhook(raw, WEBHOOK_SECRET, int(time.time())), WEBHOOK_SECRET
        )
        assert notification.id == body["id"]
    response = deliver(client, raw)
    assert response.status_code == 200
    assert StripeEvent.objects.count() == 0 and Job.objects.count() == 0


def test_a_thin_event_with_a_bad_signature_is_still_refused(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    response = deliver(client, thin_event(), secret="whsec_someone_else")
    assert response.status_code == 400


def test_the_docs_say_which_version_and_which_events():
    """README: the version, the acacia note and a link; docs/payments.md: every event type
    a handler acts on, each with a line of why."""
    from pathlib import Path

    from wizard.payments.stripe_events import HANDLERS

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    assert settings.STRIPE_API_VERSION in readme and "2024-10-28.acacia" in readme
    assert "docs/payments.md#stripe-set-up" in readme
    payments = (root / "docs" / "payments.md").read_text()
    setup = payments[payments.index("## Stripe set-up") :]
    rows = dict(
        line.strip("|").split("|")[:2] for line in setup.splitlines() if line.startswith("| `")
    )
    listed = {name.strip().strip("`"): why.strip() for name, why in rows.items()}
    assert set(HANDLERS) <= set(listed)
    assert {
        "charge.dispute.created",
        "charge.dispute.closed",
        "radar.early_fraud_warning.created",
    } <= set(listed)
    assert all(listed.values())
    assert settings.STRIPE_API_VERSION in setup
