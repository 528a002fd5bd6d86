"""Stripe's side of a payment after it is made: what the card holder's bank, the card's
issuer and staff in Stripe's Dashboard do to a charge, done through fakestripe's control
endpoints (no API client asks for any of it, as at Stripe). Their events go through the
same webhook faults as every other; the app learns of them from the events, or from the
reconciler when the events are lost.

Each action notes what it did on the employer's Outcome (`bank`) and the posting's
status it calls for (`expected`), so that check_employers can hold the app to it even when
the load phase cuts the sequence short.
"""

from soak.stripe_api import charge_of_session

__all__ = ["Bank", "charge_of_session"]

# What each end calls for (the app's statuses, as strings: no Django here).
IN_REVIEW = "in_review"
DISPUTED = "disputed"
DISPUTE_LOST = "dispute_lost"
REFUNDED = "refunded"
PARTLY_REFUNDED = "in_review, partly refunded"


class Bank:
    def __init__(self, fakestripe, outcome, think):
        self.fakestripe = fakestripe
        self.outcome = outcome
        self.think = think  # a pause between two steps; raises CutOff when the load ends

    def did(self, what, expected):
        self.outcome.bank.append(what)
        self.outcome.expected = expected

    def dispute(self, charge, end):
        """The bank disputes the whole charge; for a won one, evidence is submitted; then the
        bank decides `end` ("won" or "lost")."""
        dispute = self.fakestripe.open_dispute(charge["id"], reason="fraudulent")
        self.did("dispute opened", DISPUTED)
        self.think(0.5, 2.0)
        if end == "won":
            self.fakestripe.respond_to_dispute(dispute["id"])
            self.did("dispute evidence submitted", DISPUTED)
            self.think(0.5, 2.0)
        self.fakestripe.close_dispute(dispute["id"], end)
        self.did(f"dispute {end}", IN_REVIEW if end == "won" else DISPUTE_LOST)

    def early_fraud_warning(self, charge):
        self.fakestripe.early_fraud_warning(charge["id"], fraud_type="made_with_stolen_card")
        self.did("early fraud warning", REFUNDED)

    def dashboard_refund(self, charge, amount=None):
        """A refund made in Stripe's Dashboard: all of the charge, or `amount` of it."""
        self.fakestripe.dashboard_refund(charge["id"], amount=amount)
        if amount is None or amount >= charge["amount"]:
            self.did("Dashboard refund, full", REFUNDED)
        else:
            self.did(f"Dashboard refund, partial ({amount} of {charge['amount']})", PARTLY_REFUNDED)
