"""The soak's invariants of plans, upgrades, codes and VAT re-checks (soak/plan_checks.py)
on hand-made facts: each catches what it is there to catch, and a consistent set passes.
No database: the records are unsaved."""

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

from soak import plan_checks
from soak.staff import PriceBook
from wizard.effects.vat_recheck import KIND as RECHECK
from wizard.jobs.models import Job
from wizard.payments.models import PaymentAttempt
from wizard.postings.business import STEP
from wizard.postings.models import JobPosting, Status

Purpose, State = PaymentAttempt.Purpose, PaymentAttempt.State
STANDARD, FEATURED = 1, 2
T0 = 1_800_000_000.0  # a moment, in seconds


def at(seconds):
    return datetime.fromtimestamp(T0 + seconds, UTC)


def book():
    """Standard EUR 99.00, then 109.00 (Save pressed at +100 s, answered at +102 s)."""
    prices = PriceBook(plans={"Standard": STANDARD, "Featured": FEATURED})
    prices.record(STANDARD, "eur", 9900, T0, T0 + 1)
    prices.record(FEATURED, "eur", 14900, T0, T0 + 1)
    prices.record(STANDARD, "eur", 10900, T0 + 100, T0 + 102)
    return prices


class World:
    def __init__(self):
        self.postings, self.attempts, self.rechecks, self.count = {}, [], [], 0
        self.sessions = {}

    def posting(self, status=Status.PUBLISHED, featured=False, vat_checks=(), vat_status=""):
        posting = JobPosting(pk=uuid.uuid4(), status=status, featured=featured)
        posting.step_data = {
            STEP: {"vat_status": vat_status, "vat_number": "DE136695976", "checks": vat_checks}
        }
        self.postings[str(posting.pk)] = posting
        return posting

    def attempt(self, posting, seconds, price, *, plan=STANDARD, purpose=Purpose.FIRST, **kw):
        self.count += 1
        fields = {"discount": 0, "tax": 0, "state": State.PAID, "featured": plan == FEATURED}
        fields |= kw
        amount = fields.pop("amount", price - fields["discount"] + fields["tax"])
        attempt = PaymentAttempt(
            pk=self.count,
            number=self.count,
            posting=posting,
            purpose=purpose,
            plan_id=plan,
            currency="eur",
            price=price,
            amount=amount,
            payment_intent_id=fields.pop("intent", f"pi_{self.count}"),
            session_id=f"cs_{self.count}",
            created_at=at(seconds),
            **fields,
        )
        self.attempts.append(attempt)
        return attempt

    def facts(self, staff_errors=()):
        plan_facts = plan_checks.PlanFacts(book(), list(staff_errors), self.attempts, self.rechecks)
        return plan_facts, SimpleNamespace(postings=self.postings, sessions=self.sessions)


def test_amount_is_price_less_discount_plus_tax():
    world = World()
    posting = world.posting()
    world.attempt(posting, 10, 9900, discount=1980, tax=1505)
    assert plan_checks.check_amounts(world.facts()[0]).ok
    world.attempt(posting, 20, 9900, discount=1980, tax=1505, amount=9900)
    violations = plan_checks.check_amounts(world.facts()[0]).violations
    assert len(violations) == 1 and "amount 9900 != price 9900" in violations[0]


def test_price_is_the_plans_at_reservation():
    world = World()
    before, during, after = world.posting(), world.posting(), world.posting()
    world.attempt(before, 50, 9900)
    world.attempt(during, 101, 9900)  # Save pressed, not answered yet: either price
    world.attempt(after, 150, 10900)
    assert plan_checks.check_prices(world.facts()[0]).ok
    late = world.posting()
    world.attempt(late, 150, 9900)  # the old price after the change took effect
    violations = plan_checks.check_prices(world.facts()[0]).violations
    wanted = f"posting {late.pk} attempt 4 (first): price 9900 eur, the plan's then [10900]"
    assert violations == [wanted]


def test_an_upgrade_costs_the_featured_price_less_the_first_payments_price():
    world = World()
    posting = world.posting(featured=True)
    world.attempt(posting, 10, 9900)
    world.attempt(posting, 200, 5000, plan=FEATURED, purpose=Purpose.UPGRADE)
    assert plan_checks.check_prices(world.facts()[0]).ok
    world.attempt(posting, 210, 4000, plan=FEATURED, purpose=Purpose.UPGRADE)
    assert len(plan_checks.check_prices(world.facts()[0]).violations) == 1


def test_a_failed_price_change_fails_the_check():
    world = World()
    assert not plan_checks.check_prices(world.facts(["Standard eur: HTTP 500"])[0]).ok


def test_featured_exactly_when_published_with_a_feature_paid_and_kept():
    world = World()
    upgraded = world.posting(featured=True)
    world.attempt(upgraded, 10, 9900)
    world.attempt(upgraded, 20, 5000, plan=FEATURED, purpose=Purpose.UPGRADE)
    in_review = world.posting(status=Status.IN_REVIEW)  # featured once approved
    world.attempt(in_review, 10, 14900, plan=FEATURED)
    plan_facts, facts = world.facts()
    assert plan_checks.check_featured(plan_facts, facts).ok
    refunded = world.posting(featured=True)
    world.attempt(refunded, 10, 9900)
    world.attempt(refunded, 20, 5000, plan=FEATURED, purpose=Purpose.UPGRADE, amount_refunded=5000)
    missed = world.posting(featured=False)
    world.attempt(missed, 10, 14900, plan=FEATURED)
    plan_facts, facts = world.facts()
    violations = plan_checks.check_featured(plan_facts, facts).violations
    assert [v.split(" ")[1] for v in violations] == [str(refunded.pk), str(missed.pk)]


def test_free_payment_has_no_payment_intent_and_is_paid_once():
    world = World()
    posting = world.posting(status=Status.IN_REVIEW)
    free = world.attempt(posting, 10, 9900, discount=9900, intent="")
    world.sessions[free.session_id] = {"payment_status": "no_payment_required"}
    assert plan_checks.check_free(*world.facts()).ok
    free.payment_intent_id = "pi_x"
    free.amount = 0
    assert not plan_checks.check_free(*world.facts()).ok


def test_a_vies_failure_must_be_rechecked_by_the_end():
    world = World()
    failed = [{"result": "unavailable", "detail": "MS_UNAVAILABLE"}]
    done = world.posting(vat_checks=failed, vat_status="valid")
    world.rechecks.append(Job(posting=done, kind=RECHECK, name="DE1", state=Job.State.SENT))
    assert plan_checks.check_rechecks(*world.facts()).ok
    waiting = world.posting(vat_checks=failed, vat_status="unchecked")
    world.rechecks.append(Job(posting=waiting, kind=RECHECK, name="DE2", state=Job.State.QUEUED))
    forgotten = world.posting(vat_checks=failed, vat_status="unchecked")
    violations = plan_checks.check_rechecks(*world.facts()).violations
    assert any("re-check DE2 queued" in v for v in violations)
    assert any(f"posting {waiting.pk}: its VAT number still unchecked" == v for v in violations)
    assert any(f"posting {forgotten.pk}: VIES failed, no re-check queued" == v for v in violations)
