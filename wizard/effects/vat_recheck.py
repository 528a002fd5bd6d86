"""A VAT number the registry could not check when the employer gave it, checked again as
a job of the one runner (the business step queues it in the transaction that stores the
number as unchecked; wizard.apps imports this module, which registers the kind).

While the registry stays unavailable the runner retries with backoff; a quota refusal
(VIES's MS_MAX_CONCURRENT_REQ, HMRC's 429) is waited out without spending an attempt. When
it answers: valid, the number is stored VALID with the registered name and address;
invalid, it is stored INVALID and staff are alerted, naming the posting and the number
(with VAT_HOLD_PUBLICATION, publication is held until staff release it, unless the posting
is published already: then the alert says so). After VAT_RECHECK_GIVE_UP_HOURS without an
answer the job gives up and staff are alerted: never silently. A number the employer has
changed since is left alone (its own job checks the new one).
"""

import dataclasses
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from wizard.jobs import runner, staff_alert
from wizard.jobs.kinds import JobKind, register
from wizard.payments.models import PaymentAttempt
from wizard.postings.business import STEP, VatStatus, business_of, keep, note_check
from wizard.providers import vat_numbers, vat_registry
from wizard.providers.vat_numbers import Unavailable, Valid

KIND = "vat_recheck"


class RegistryUnavailable(Exception):
    """The registry did not answer (retried); `wait` when it asked us to wait."""

    def __init__(self, result):
        super().__init__(f"{result.code}")
        self.wait = result.retry_after


class GaveUp(Exception):
    """Unavailable for longer than VAT_RECHECK_GIVE_UP_HOURS (permanent)."""


def queue_recheck(posting, number):
    """Queue the check of `number` for `posting` (locked, in the transaction that stores it
    as unchecked)."""
    payload = {"number": number, "since": timezone.now().isoformat()}
    return runner.queue(posting, KIND, number, payload)


class VatRecheckKind(JobKind):
    name = KIND
    label = "VAT number checked again"
    provider = "VIES, HMRC"
    employer_sees = False  # staff's: an invalid number is theirs to look at

    @property
    def max_attempts(self):
        # Bounded by time (VAT_RECHECK_GIVE_UP_HOURS), not by a count of attempts.
        return 100_000

    def describe(self, effect):
        return f"{self.label}: {effect.payload.get('number', effect.name)}"

    def target(self, effect):
        return vat_numbers.registry_name(effect.payload.get("number", effect.name))

    def perform(self, effect):
        number = effect.payload["number"]
        result = vat_registry.check(number)
        if isinstance(result, Unavailable):
            since = datetime.fromisoformat(effect.payload["since"])
            if timezone.now() - since >= timedelta(hours=settings.VAT_RECHECK_GIVE_UP_HOURS):
                raise GaveUp(
                    f"{vat_numbers.registry_name(number)} was unavailable for "
                    f"{settings.VAT_RECHECK_GIVE_UP_HOURS} hours (last: {result.code})"
                )
            raise RegistryUnavailable(result)
        outcome = {"valid": isinstance(result, Valid)}
        if isinstance(result, Valid):
            outcome.update(name=result.name, address=result.address)
            return result.consultation, outcome
        return "", {**outcome, "reason": result.reason}

    def retry_after(self, exc):
        return exc.wait if isinstance(exc, RegistryUnavailable) else None

    def is_permanent(self, exc):
        return isinstance(exc, GaveUp)

    def succeeded(self, effect, posting):
        number = effect.payload["number"]
        business = business_of(posting)
        now = timezone.now().isoformat()
        outcome = effect.payload.get("outcome", {})
        if business.vat_number != number or business.vat_status != VatStatus.UNCHECKED:
            return  # changed since (another number, or answered by the employer's step)
        registry = vat_numbers.registry_name(number)
        if outcome.get("valid"):
            keep(
                posting,
                dataclasses.replace(
                    business,
                    vat_status=VatStatus.VALID,
                    name=outcome.get("name", ""),
                    address=outcome.get("address", ""),
                    checked_at=now,
                    registry=registry,
                    consultation=effect.provider_id,
                ),
            )
            # The employer went on with the number while the registry was down: its answer
            # now is not a question for them again (a draft would otherwise be sent back to
            # the step from Pay), so it counts as confirmed.
            step = posting.step_data[STEP]
            posting.step_data = {**posting.step_data, STEP: {**step, "confirmed": True}}
            note_check(posting, at=now, number=number, result="valid", detail="checked again")
            posting.save()
            return
        published = posting.published_at is not None
        hold = settings.VAT_HOLD_PUBLICATION and not published
        keep(
            posting,
            dataclasses.replace(
                business, vat_status=VatStatus.INVALID, checked_at=now, registry=registry, held=hold
            ),
        )
        note_check(
            posting, at=now, number=number, result="invalid", detail=outcome.get("reason", "")
        )
        posting.save()
        if published:
            then = "The posting is published already: it was left on the board."
        elif hold:
            then = "Its publication is held until staff release it (VAT_HOLD_PUBLICATION)."
        else:
            then = "Its publication is not held (VAT_HOLD_PUBLICATION is off)."
        then += _reverse_charged(posting)
        staff_alert.alert(
            posting,
            f"vat_invalid:{number}",
            f"VAT number {number} proved invalid: {posting.reference}",
            f"{registry} says {number}, given for posting {posting.reference} "
            f"({posting.title or 'untitled'}) when {registry} could not be reached, is not a "
            f"registered VAT number. {then}",
        )

    def failed(self, effect, posting, exc=None):
        if posting is None:
            return
        number = effect.payload.get("number", effect.name)
        note_check(
            posting,
            at=timezone.now().isoformat(),
            number=number,
            result="not checked",
            detail=effect.last_error,
        )
        posting.save()
        staff_alert.alert(
            posting,
            f"vat_unchecked:{number}",
            f"VAT number {number} could not be checked: {posting.reference}",
            f"The check of VAT number {number}, given for posting {posting.reference}, gave up: "
            f"{effect.last_error}. Check it by hand (or run the job again from the admin).",
        )


register(VatRecheckKind())


def _reverse_charged(posting):
    """What the alert adds when Stripe charged the posting no VAT for a reverse charge: the
    number the registry calls invalid was not passed to Stripe by us (a customer's tax ID
    is made for a valid number only), but Checkout collects tax IDs, and the employer may
    have typed it there. Nothing is charged afterwards: staff decide (the VAT may be due)."""
    numbers = list(
        posting.payment_attempts.filter(
            state=PaymentAttempt.State.PAID, tax_note="reverse_charge"
        ).values_list("number", flat=True)
    )
    if not numbers:
        return ""
    which = ", ".join(str(number) for number in numbers)
    return (
        f" Stripe charged no VAT on payment {which} (a reverse charge on the tax ID given in "
        "its checkout): the VAT may be due."
    )
