"""Refunds as a job: asking Stripe for a recorded refund, retried until it is made.

The Refund row (wizard.payments.models) is the money; this job is the asking; payments
owns both, so it registers the kind (wizard.apps imports this module). It runs
at once after the transaction that recorded the refund commits, and the runner
retries it while Stripe is down.
"""

import stripe
from django.contrib.auth import get_user_model

from wizard.jobs.kinds import JobKind, register
from wizard.payments import client as stripe_client
from wizard.payments import refunds
from wizard.payments.models import Refund
from wizard.postings.models import Actor


class RefundKind(JobKind):
    name = refunds.REFUND_EFFECT
    label = "Refund"
    provider = "Stripe"
    run_at_once = True
    employer_sees = True  # their money: in their ledger, and its failure on their page

    def _record(self, effect):
        return Refund.objects.get(payment_intent_id=effect.name)

    def describe(self, effect):
        return f"Refund of {self._record(effect).amount_display}"

    def in_worker(self):
        return stripe_client.background()  # no employer is waiting

    def target(self, effect):
        return effect.name

    def perform(self, effect):
        stripe_refund = refunds.ask_stripe(self._record(effect), effect.attempts)
        if stripe_refund is None:
            return "", {"status": "succeeded"}  # refunded already
        return stripe_refund.id, {"status": stripe_refund.status}

    def is_permanent(self, exc):
        return isinstance(exc, stripe.InvalidRequestError | refunds.RefundNotMade)

    def succeeded(self, effect, posting):
        """Stripe accepted the refund; it is made now, or later (`pending`): then the
        refund.updated event or charge.refunded finishes it."""
        status = effect.payload.get("outcome", {}).get("status", "succeeded")
        if status in refunds.UNFINISHED:
            refunds.record_unfinished(effect.name, effect.provider_id, status)
            return
        refunds.apply_refunded(
            posting.pk, effect.name, stripe_refund_id=effect.provider_id, by=self._asked_by(effect)
        )

    def employer_note(self, effect):
        record = self._record(effect)
        if record.state == Refund.State.PENDING and record.stripe_status in refunds.UNFINISHED:
            return "on its way back to your card; banks can take 5–10 days"
        return ""

    def is_done(self, effect):
        return self._record(effect).state == Refund.State.SUCCEEDED

    def _asked_by(self, effect):
        """Whoever asked for the refund is who refunded the posting, in its log."""
        actor = effect.payload.get("actor", Actor.SYSTEM)
        user_id = effect.payload.get("user_id")
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        return Actor(actor, user)

    def failed(self, effect, posting, exc=None):
        refunds.record_refused(effect.name, effect.last_error)
        super().failed(effect, posting, exc)

    def failure_message(self, effect, exc=None):
        return "We could not refund your payment automatically. Our staff have been told."


register(RefundKind())
