"""Run fakestripe as a subprocess for tests, and sign hand-made webhook payloads.

proc = FakeStripeProcess()
proc.start()
client = stripe.StripeClient("sk_test_x", base_addresses={"api": proc.url})
...
proc.stop()
"""

import hashlib
import hmac
import os
import time
import urllib.parse

from tests.emulator_process import EmulatorProcess, without_none

# What Stripe sends for a card payment through Checkout, in the order the events are
# created (they are delivered in any order).
CARD_PAYMENT_EVENTS = [
    "payment_intent.created",
    "charge.succeeded",
    "payment_intent.succeeded",
    "charge.updated",
    "checkout.session.completed",
]
# Checkout's invoice of a paid session (invoice_creation; fakestripe/invoices.py).
INVOICE_EVENTS = [
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
]
# What a card payment through the app's checkout sends (STRIPE_INVOICES on, the default).
APP_PAYMENT_EVENTS = CARD_PAYMENT_EVENTS + INVOICE_EVENTS


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for payload, as Stripe computes it."""
    if timestamp is None:
        timestamp = int(time.time())
    signed = f"{timestamp}.".encode() + payload
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


class FakeStripeProcess(EmulatorProcess):
    package = "fakestripe"

    def __init__(
        self,
        webhook_secret="whsec_test_secret",
        webhook_url=None,
        webhook_retry_delays=(0.1, 0.2, 0.4, 0.8),
    ):
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.webhook_retry_delays = webhook_retry_delays
        super().__init__()

    def command_args(self) -> list[str]:
        args = [
            "--webhook-secret",
            self.webhook_secret,
            "--webhook-retry-delays",
            ",".join(map(str, self.webhook_retry_delays)),
        ]
        if self.webhook_url:
            args += ["--webhook-url", self.webhook_url]
        # The events of one operation are sent shuffled; one seed makes every run's orders
        # the same (FAKESTRIPE_EVENT_SEED=N to try another).
        args += ["--event-seed", str(self.event_seed)]
        return args

    @property
    def event_seed(self) -> int:
        return int(os.environ.get("FAKESTRIPE_EVENT_SEED") or 1)

    # ---- control endpoints -------------------------------------------------

    def configure(self, **settings):
        """configure(webhook_url=..., webhook_secret=..., webhook_retry_delays=[...],
        refund_outcome="succeeded"|"pending"|"requires_action"|"failed",
        invoice_finalization="at_once"|"held",
        event_order="shuffled"|"created", event_seed=N): refund_outcome is the status new
        refunds are created with ("failed" ones are created pending and fail at fakestripe's
        next sweep); invoice_finalization "held" keeps Checkout's invoices draft (no
        number, no PDF) until finalize_invoice(); event_order and event_seed say how the
        events of one operation are ordered for delivery (reset() puts back what the
        process started with: "succeeded", "at_once", "shuffled", seed 1 unless
        FAKESTRIPE_EVENT_SEED)."""
        if "webhook_secret" in settings:
            self.webhook_secret = settings["webhook_secret"]
        if "webhook_url" in settings:
            self.webhook_url = settings["webhook_url"]
        return self._control("POST", "/_fakestripe/config", settings)

    def reset(self):
        return self._control("POST", "/_fakestripe/reset", {})

    def deliveries(self) -> list[dict]:
        """Webhook delivery attempts: event_id, event_type, attempt, url, status, error,
        succeeded, at (unix time)."""
        return self._control("GET", "/_fakestripe/deliveries")["data"]

    def pending_deliveries(self) -> int:
        return self._control("GET", "/_fakestripe/deliveries")["pending"]

    def wait_for_deliveries(self, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Poll until at least count attempts are recorded; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            attempts = self.deliveries()
            if len(attempts) >= count or time.monotonic() > deadline:
                return attempts
            time.sleep(0.02)

    def advance_clock(self, seconds: int) -> dict:
        """Move fakestripe's clock forward. What falls due happens at once: sessions past
        expires_at expire (checkout.session.expired is emitted), idempotency keys older than
        24 h are forgotten. Returns now, offset_seconds and expired_sessions (ids)."""
        return self._control("POST", "/_fakestripe/clock", {"advance_seconds": seconds})

    # ---- refunds -------------------------------------------------------------------

    def settle_refund(self, refund_id, status, failure_reason=None) -> dict:
        """Move a pending or requires_action refund to "succeeded", "failed" or "canceled"
        (or a succeeded one to "failed"), as the bank does later. Emits refund.updated
        (with data.previous_attributes), then refund.failed, or charge.refunded when it
        succeeds. Returns the refund; raises RuntimeError if fakestripe refuses."""
        payload = without_none({"status": status, "failure_reason": failure_reason})
        return self._control("POST", f"/_fakestripe/refunds/{refund_id}/settle", payload)

    def dashboard_refund(self, charge_id, amount=None) -> dict:
        """Refund a charge as from Stripe's Dashboard (all that is left, or amount): the
        events of any refund (refund.created, charge.refunded once made). Returns it."""
        payload = without_none({"amount": amount})
        return self._control("POST", f"/_fakestripe/charges/{charge_id}/dashboard_refund", payload)

    def early_fraud_warning(self, charge_id, fraud_type=None, actionable=None) -> dict:
        """Raise an early fraud warning on a charge (radar.early_fraud_warning.created);
        returns the warning."""
        payload = without_none({"fraud_type": fraud_type, "actionable": actionable})
        return self._control(
            "POST", f"/_fakestripe/charges/{charge_id}/early_fraud_warning", payload
        )

    # ---- invoices (fakestripe/invoices.py) ------------------------------------------

    def finalize_invoice(self, invoice_id) -> dict:
        """Finalize an invoice held as a draft (configure(invoice_finalization="held")): it
        gets its number, hosted page and PDF, and is paid (invoice.finalized, invoice.paid,
        invoice.payment_succeeded). Returns the invoice."""
        return self._control("POST", f"/_fakestripe/invoices/{invoice_id}/finalize", {})

    # ---- disputes (fakestripe/disputes.py) ------------------------------------------

    def open_dispute(
        self, charge_id, reason=None, amount=None, inquiry=None, evidence_due_in_seconds=None
    ) -> dict:
        """The card holder's bank disputes the charge: charge.dispute.created, then (not for
        an inquiry) charge.dispute.funds_withdrawn. Returns the dispute."""
        payload = without_none(
            {
                "reason": reason,
                "amount": amount,
                "inquiry": inquiry,
                "evidence_due_in_seconds": evidence_due_in_seconds,
            }
        )
        return self._control("POST", f"/_fakestripe/charges/{charge_id}/dispute", payload)

    def respond_to_dispute(self, dispute_id) -> dict:
        """Evidence submitted: charge.dispute.updated (to under_review)."""
        return self._control("POST", f"/_fakestripe/disputes/{dispute_id}/respond", {})

    def escalate_dispute(self, dispute_id) -> dict:
        """An inquiry becomes a chargeback: charge.dispute.updated, .funds_withdrawn."""
        return self._control("POST", f"/_fakestripe/disputes/{dispute_id}/escalate", {})

    def close_dispute(self, dispute_id, status) -> dict:
        """The bank decides ("won", "lost", or "warning_closed" for an inquiry):
        charge.dispute.closed, and charge.dispute.funds_reinstated when won."""
        return self._control(
            "POST", f"/_fakestripe/disputes/{dispute_id}/close", {"status": status}
        )

    # ---- fault injection (reset() clears all of it) ----------------------------

    def inject_fault(self, kind, count=1, method=None, path=None, delay=None) -> list[dict]:
        """Make the next count /v1 requests matching method and path (a regex searched in
        the request path) fail: "500", "429", "timeout" (answer only after delay seconds,
        default 30, doing the work after the wait) or "lost_response" (do the work, then
        close the connection unanswered). Returns the pending faults."""
        spec = {"kind": kind, "count": count, "method": method, "path": path, "delay": delay}
        return self._control("POST", "/_fakestripe/faults", without_none(spec))["data"]

    def faults(self) -> list[dict]:
        """Pending API faults, next first: kind, count (uses left), method, path, delay."""
        return self._control("GET", "/_fakestripe/faults")["data"]

    def inject_webhook_fault(
        self, kind, count=1, event_type=None, delay=None, times=None
    ) -> list[dict]:
        """Alter delivery of the next count events (of event_type, if given) emitted while a
        webhook URL is set: "duplicate" (send times copies, default 3), "delay" (send after
        delay seconds), "drop" (never send) or "hold" (send on release_webhooks())."""
        spec = {
            "kind": kind,
            "count": count,
            "event_type": event_type,
            "delay": delay,
            "times": times,
        }
        return self._control("POST", "/_fakestripe/webhook_faults", without_none(spec))["data"]

    def webhook_faults(self) -> list[dict]:
        """Pending webhook faults, next first: kind, count, event_type, delay, times."""
        return self._control("GET", "/_fakestripe/webhook_faults")["data"]

    def held_webhooks(self) -> list[str]:
        """Ids of events held by "hold" faults, oldest first."""
        return self._control("GET", "/_fakestripe/webhook_faults")["held"]

    def release_webhooks(self, order=None) -> list[str]:
        """Deliver held events newest first, or just those in order (a list of event ids,
        delivered in that order; the rest stay held). Returns the released ids."""
        payload = {} if order is None else {"order": list(order)}
        return self._control("POST", "/_fakestripe/webhooks/release", payload)["released"]

    # ---- checkout session test hooks -------------------------------------------

    def complete_session(
        self,
        session_id,
        payment_status="paid",
        force=False,
        amount_total=None,
        billing_country=None,
    ) -> dict:
        """Complete an open session: "paid" as by card 4242, or "unpaid" as by a delayed
        payment method (settle it with async_result). force also completes an expired
        session; amount_total changes what the session and its payment show; billing_country
        is the one entered on the page (else the page's preselected one, fakestripe.tax).
        Returns the session; raises RuntimeError if fakestripe refuses."""
        payload = without_none(
            {
                "payment_status": payment_status,
                "force": force,
                "amount_total": amount_total,
                "billing_country": billing_country,
            }
        )
        return self._control("POST", f"/_fakestripe/checkout/{session_id}/complete", payload)

    def apply_promotion_code(self, session_id, code: str) -> dict:
        """Apply a promotion code to an open session, as the hosted page does."""
        return self._control(
            "POST", f"/_fakestripe/checkout/{session_id}/promotion_code", {"code": code}
        )

    def enter_promotion_code(self, session_id: str, code: str) -> tuple[int, str]:
        """Submit the hosted page's promotion code form: (303, location) or (status, html)."""
        body = urllib.parse.urlencode({"code": code}).encode()
        status, headers, content = self._request(
            "POST",
            f"/checkout/{session_id}/promotion_code",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if 300 <= status < 400:
            return status, headers.get("Location", "")
        return status, content.decode()

    def async_result(self, session_id, succeeded: bool) -> dict:
        """Settle a session completed with payment_status "unpaid" (by pay_delayed or
        complete_session): succeeded or failed, with their events; returns the session."""
        return self._control(
            "POST", f"/_fakestripe/checkout/{session_id}/async_result", {"succeeded": succeeded}
        )

    # ---- hosted checkout page ------------------------------------------------

    def pay_delayed(
        self, session_id: str, method: str = "sepa_debit", billing_country: str = "US"
    ) -> tuple[int, str]:
        """Pay on the hosted page with a delayed method the session offers ("sepa_debit",
        "us_bank_account"…): the session completes unpaid, its PaymentIntent processing.
        Settle it later with async_result. Returns as pay() does."""
        body = urllib.parse.urlencode(
            {"payment_method": method, "billing_country": billing_country}
        ).encode()
        status, headers, content = self._request(
            "POST",
            f"/checkout/{session_id}/pay",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if 300 <= status < 400:
            return status, headers.get("Location", "")
        return status, content.decode()

    def checkout_url_for(self, session_id: str) -> str:
        return f"{self.url}/checkout/{session_id}"

    def cancel_url_for(self, session_id: str) -> str:
        return f"{self.url}/checkout/{session_id}/cancel"

    def pay(
        self,
        session_id: str,
        card: str = "4242424242424242",
        billing_country: str = "US",
        tax_id: str = "",
    ) -> tuple[int, str]:
        """Submit the hosted form, with the billing country the page preselects by default
        (US: no tax collected; the page asks for one when the session collects a billing
        address or computes tax, fakestripe.tax) and a VAT number if given. Returns (303,
        success redirect location) when paid, otherwise (status, html body)."""
        fields = {"card_number": card, "billing_country": billing_country}
        body = urllib.parse.urlencode({**fields, **({"tax_id": tax_id} if tax_id else {})}).encode()
        status, headers, content = self._request(
            "POST",
            f"/checkout/{session_id}/pay",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if 300 <= status < 400:
            return status, headers.get("Location", "")
        return status, content.decode()
