"""The posting's current payment attempt: which one it is, and how the posting points at it.

A PaymentAttempt is the payment (its number, price, session, intent); the posting only
points at the current one. Every function but latest_attempt writes: call it with the
posting locked (locked_posting).
"""

from wizard.payments.models import PaymentAttempt


def latest_attempt(posting):
    """The posting's latest attempt at its first payment, or None before any press of Pay:
    its current one, also when a process of the previous release reserved it (see
    current_attempt). Later payments (a renewal: wizard.payments.purposes) are never the
    posting's current attempt."""
    first_payment = posting.payment_attempts.filter(purpose=PaymentAttempt.Purpose.FIRST)
    return first_payment.order_by("-number").first()


def current_attempt(posting):
    """The posting's current attempt, the latest reserved, or None before any press of Pay
    (call with the posting locked).

    During a rolling upgrade a process of the previous release reserves attempts without
    pointing at them; the latest attempt is then adopted, so that its payment is honoured
    and the next attempt gets a fresh number."""
    latest = latest_attempt(posting)
    if latest is None or latest.pk == posting.current_attempt_id:
        posting.current_attempt = latest  # the fresh row: callers change it and save it
    else:
        save_current(posting, latest)
    return latest


def save_current(posting, attempt):
    """Point the posting at `attempt` (saved already) and save the posting."""
    posting.current_attempt = attempt
    keep_previous_release_in_step(posting, attempt)
    posting.save()


def keep_previous_release_in_step(posting, attempt):
    """Copy the current attempt onto the posting's old columns.

    Kept in step for processes of the previous release during a rolling upgrade (they read
    these: an old process fulfilling a session would otherwise think a new checkout
    superseded and refund it); stop writing and drop in the next release. Nothing in this
    release reads them."""
    posting.payment_attempt = attempt.number
    posting.price_amount = attempt.amount
    posting.price_currency = attempt.currency
    posting.checkout_session_id = attempt.session_id
    posting.payment_intent_id = attempt.payment_intent_id


def attempt_terms(bought):
    """The fields an attempt buying the listing `bought` (wizard.postings.plans) is
    reserved with: what it costs and what it buys, as they are now."""
    return {
        "plan": bought.plan,
        "price": bought.amount,
        "amount": bought.amount,
        "currency": bought.currency,
        "days": bought.days,
        "featured": bought.featured,
    }
