"""The invariants of plans, upgrades, promotion codes, tax and VAT numbers (issue 21), on
the app's records after the soak, with the prices staff set and when (soak/staff.py's
PriceBook) and what fakestripe holds (soak/checks.py's facts).

- Each payment's amount is its list price less its discount plus its tax; each
  attempt's list price is its plan's price in its currency when it was reserved (an
  upgrade's: the featured plan's then, less what the first payment's plan cost).
- A free payment (a 100 % code) has no PaymentIntent and its posting was paid once.
- The featured postings are exactly the published ones whose featured plan or upgrade
  was paid and not refunded.
- Every number VIES failed to check was checked again by the end: its re-check job
  done, its status no longer unchecked.

Import after django.setup().
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import close_old_connections

from soak.checks import Check
from wizard.effects.vat_recheck import KIND as RECHECK
from wizard.jobs.models import Job
from wizard.payments.models import PaymentAttempt
from wizard.postings.business import VatStatus, business_of, checks_of
from wizard.postings.models import Status

Purpose = PaymentAttempt.Purpose


@dataclass
class PlanFacts:
    book: object  # soak.staff.PriceBook
    staff_errors: list  # price changes staff could not make
    attempts: list  # every PaymentAttempt
    rechecks: list  # every vat_recheck Job


def gather(book, staff_errors):
    close_old_connections()
    return PlanFacts(
        book=book,
        staff_errors=list(staff_errors),
        attempts=list(PaymentAttempt.objects.select_related("plan").order_by("created_at")),
        rechecks=list(Job.objects.filter(kind=RECHECK)),
    )


def settled(plan_facts):
    return [attempt for attempt in plan_facts.attempts if attempt.is_settled]


def first_payments(plan_facts):
    """posting id -> its settled first payment (the one its upgrade is priced against)."""
    return {
        attempt.posting_id: attempt
        for attempt in settled(plan_facts)
        if attempt.purpose == Purpose.FIRST
    }


def who(attempt):
    return f"posting {attempt.posting_id} attempt {attempt.number} ({attempt.purpose})"


def check_amounts(plan_facts):
    check = Check("each payment's amount is its price less its discount plus its tax")
    for attempt in settled(plan_facts):
        if attempt.price is None:
            check.violations.append(f"{who(attempt)}: paid with no list price recorded")
        elif attempt.amount != attempt.price - attempt.discount + attempt.tax:
            check.violations.append(
                f"{who(attempt)}: amount {attempt.amount} != price {attempt.price} - discount "
                f"{attempt.discount} + tax {attempt.tax}"
            )
    return check


def prices_then(plan_facts, attempt, firsts):
    """The list prices the attempt may rightly have: its plan's at its reservation (an
    upgrade's less its first payment's list price); None when it cannot be told."""
    at = attempt.created_at.timestamp()
    found = plan_facts.book.prices_at(attempt.plan_id, attempt.currency, at)
    if attempt.purpose != Purpose.UPGRADE:
        return found
    first = firsts.get(attempt.posting_id)
    if first is None or first.price is None:
        return None
    return {price - first.price for price in found}


def check_prices(plan_facts):
    check = Check(
        "each attempt's price is its plan's price in its currency when it was reserved "
        "(staff changed prices during the load)"
    )
    check.violations += [f"staff's price change failed: {e}" for e in plan_facts.staff_errors]
    firsts = first_payments(plan_facts)
    for attempt in plan_facts.attempts:
        if attempt.plan_id is None:
            check.violations.append(f"{who(attempt)}: no plan, though staff offer plans")
            continue
        wanted = prices_then(plan_facts, attempt, firsts)
        if wanted is None:
            check.violations.append(f"{who(attempt)}: an upgrade with no settled first payment")
        elif attempt.price not in wanted:
            check.violations.append(
                f"{who(attempt)}: price {attempt.price} {attempt.currency}, the plan's then "
                f"{sorted(wanted)}"
            )
    return check


def check_free(plan_facts, facts):
    check = Check("free payments (a 100 % code): no PaymentIntent, paid once")
    paid = Counter((a.posting_id, a.purpose) for a in settled(plan_facts))
    for attempt in settled(plan_facts):
        if attempt.amount != 0:  # nothing charged: a 100 % code
            continue
        session = facts.sessions.get(attempt.session_id) or {}
        if attempt.payment_intent_id or session.get("payment_intent"):
            check.violations.append(f"{who(attempt)}: free, yet has a PaymentIntent")
        if session.get("payment_status") != "no_payment_required":
            check.violations.append(
                f"{who(attempt)}: free, its session {session.get('payment_status')!r}"
            )
        if paid[(attempt.posting_id, attempt.purpose)] != 1:
            check.violations.append(
                f"{who(attempt)}: free, one of {paid[(attempt.posting_id, attempt.purpose)]} "
                "settled payments of its purpose"
            )
    return check


def buys_feature(attempt):
    """A featured first payment or an upgrade, settled and not refunded."""
    featuring = attempt.purpose == Purpose.UPGRADE or (
        attempt.featured and attempt.purpose == Purpose.FIRST
    )
    return featuring and attempt.is_settled and not attempt.amount_refunded


def check_featured(plan_facts, facts):
    check = Check(
        "featured postings: exactly the published ones whose featured plan or upgrade was paid"
    )
    by_posting = defaultdict(list)
    for attempt in plan_facts.attempts:
        by_posting[str(attempt.posting_id)].append(attempt)
    for posting_id, posting in facts.postings.items():
        wanted = posting.status == Status.PUBLISHED and any(
            buys_feature(attempt) for attempt in by_posting[posting_id]
        )
        if posting.featured != wanted:
            check.violations.append(
                f"posting {posting_id} ({posting.status}): featured {posting.featured}, "
                f"not {wanted}"
            )
    return check


def vies_failures(facts):
    """posting id -> the VIES failures its VAT step met (check history entries)."""
    return {
        posting_id: failed
        for posting_id, posting in facts.postings.items()
        if (failed := [e for e in checks_of(posting) if e.get("result") == "unavailable"])
    }


def check_rechecks(plan_facts, facts):
    check = Check("every VAT number VIES failed to check was checked again (its job done)")
    for job in plan_facts.rechecks:
        if job.state != Job.State.SENT:
            check.violations.append(f"posting {job.posting_id}: re-check {job.name} {job.state}")
    rechecked = {str(job.posting_id) for job in plan_facts.rechecks}
    for posting_id in vies_failures(facts):
        status = business_of(facts.postings[posting_id]).vat_status
        if posting_id not in rechecked:
            check.violations.append(f"posting {posting_id}: VIES failed, no re-check queued")
        elif status == VatStatus.UNCHECKED:
            check.violations.append(f"posting {posting_id}: its VAT number still unchecked")
    return check


def run_all(plan_facts, facts, outcomes):
    return [
        check_amounts(plan_facts),
        check_prices(plan_facts),
        check_free(plan_facts, facts),
        check_featured(plan_facts, facts),
        check_rechecks(plan_facts, facts),
    ]


def numbers(plan_facts, facts, outcomes):
    """The report's lines of what plans, codes and VIES faults came to."""
    paid = settled(plan_facts)
    bought = Counter(
        f"{a.plan.name if a.plan else 'no plan'} {a.currency.upper()}"
        for a in paid
        if a.purpose == Purpose.FIRST
    )
    codes = Counter(a.promotion_code for a in paid if a.promotion_code)
    failures = vies_failures(facts)
    faults = Counter(entry.get("detail") or "?" for found in failures.values() for entry in found)
    done = sum(1 for job in plan_facts.rechecks if job.state == Job.State.SENT)
    changes = ", ".join(
        f"{name} {currency.upper()} {old}->{new}"
        for name, currency, old, new in plan_facts.book.changes
    )
    typed = Counter(o.code_typed for o in outcomes if o.code_typed)
    return [
        ("plans", f"first payments settled: {_counts(bought)}; price changes: {changes or 'none'}"),
        (
            "upgrades",
            f"{sum(1 for a in paid if a.purpose == Purpose.UPGRADE)} paid, "
            f"{sum(1 for o in outcomes if o.upgrade_sessions)} employers upgraded; "
            f"{sum(1 for p in facts.postings.values() if p.featured)} postings featured",
        ),
        (
            "codes",
            f"typed {_counts(typed)}; on settled payments {_counts(codes)}; "
            f"{sum(1 for a in paid if a.is_free)} free; "
            f"{sum(1 for a in paid if a.tax)} payments taxed",
        ),
        (
            "VIES",
            f"{sum(faults.values())} failures met by {len(failures)} postings "
            f"({_counts(faults)}); re-checks done {done} of {len(plan_facts.rechecks)}",
        ),
    ]


def _counts(counter):
    return ", ".join(f"{name} {count}" for name, count in counter.most_common()) or "none"
