"""Waiting for the system to drain, and what must hold after a soak, whatever happened.

Import after django.setup(): it reads the app's database through its models, and asks
fakestripe (its /v1 API, as the app does) what was charged and refunded.

Settled, precisely. A posting is settled when nothing more happens to it without someone
acting, and what happened is consistent:
  - before payment (draft … ready_to_pay): the employer left; nothing was charged;
  - awaiting_payment: its checkout is still open and unpaid at Stripe (the employer may
    still pay); one that was paid, or has expired, should have moved on;
  - paid, confirmed: never (recording the payment puts the posting in review, in the
    same transaction, whatever becomes of its confirmation email);
  - in_review: its confirmation email was sent, or failed for good and the posting shows
    the error (flagged for staff as "Receipt not delivered");
  - refunded: the refund of its own payment succeeded (ours, the Dashboard's or a fraud
    warning's: each has its Refund record);
  - disputed: a dispute of its own payment is still open at Stripe;
  - dispute_lost: a dispute of its own payment was lost, at Stripe and in our records.
"""

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from soak import bank, returning_checks
from soak.mailer import read_log
from soak.stripe_api import list_all
from wizard.effects.email import Email
from wizard.jobs.kinds import kind_named
from wizard.jobs.models import Job
from wizard.payments.chargebacks import Dispute
from wizard.payments.models import PaymentAttempt, Refund, RefundMade
from wizard.payments.webhook_events import StripeEvent
from wizard.postings.models import PAID_LIFE, JobPosting, Status, TransitionLog
from wizard.postings.revisions import PostingRevision
from wizard.postings.statuses import HOLDING_THE_SERVICE

PERIODIC = "wizard.tasks."  # the scheduler's jobs: queued every interval, never "backlog"
OVERDUE_SECONDS = 30  # a task due this long ago and not started means the queue is stuck
# The statuses in which a posting holds the service its payment bought: only its own
# payment may be kept by Stripe then (a disputed one's money is still ours until lost).
HOLDS = [*HOLDING_THE_SERVICE, Status.DISPUTED]
LOST = {"lost", "prevented"}  # a dispute's statuses with the money gone back to the card holder
SHOW = 5  # violations listed per check


@dataclass
class Check:
    name: str
    violations: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.violations


# ---- the queue, while it runs and as it drains --------------------------------------


def queue_age(row, now):
    """How long a ready task row has been due."""
    due = row.run_after if row.run_after.year < 9999 else row.enqueued_at
    return max(0.0, (now - due).total_seconds())


class QueueSampler:
    """Every two seconds: how many task rows are due and waiting, and the oldest's wait."""

    def __init__(self):
        self.max_age = 0.0
        self.max_waiting = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-queue", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        try:
            while not self._stop.wait(2):
                close_old_connections()
                now = timezone.now()
                due = list(DBTaskResult.objects.ready().only("run_after", "enqueued_at"))
                self.max_waiting = max(self.max_waiting, len(due))
                self.max_age = max([self.max_age, *(queue_age(row, now) for row in due)])
        finally:
            close_old_connections()


def backlog(dead_worker_ids):
    """What is still to do, by kind (all zero when the system has drained)."""
    return {
        "effects queued or sending": Job.objects.filter(state__in=Job.IN_FLIGHT).count(),
        "webhook events unprocessed": StripeEvent.objects.pending()
        .exclude(job__state=Job.State.FAILED)
        .count(),
        "tasks due": DBTaskResult.objects.ready().exclude(task_path__startswith=PERIODIC).count(),
        "task rows of killed workers still RUNNING": len(orphan_rows(dead_worker_ids)),
        "postings in review, receipt not done": len(receipt_not_done()),
        "postings awaiting payment": JobPosting.objects.filter(
            status=Status.AWAITING_PAYMENT
        ).count(),
        # Every debit is settled by the bank before the drain (soak/employer.py).
        "postings with a payment processing": JobPosting.objects.filter(
            status=Status.PAYMENT_PROCESSING
        ).count(),
    }


def receipt_not_done():
    """Postings waiting for review whose confirmation has not gone out, nor failed for good."""
    waiting = JobPosting.objects.filter(status__in=[Status.PAID, Status.IN_REVIEW])
    waiting = set(waiting.values_list("pk", flat=True))
    done = Job.objects.filter(
        posting_id__in=waiting,
        kind="email",
        name=Email.CONFIRMATION,
        state__in=[Job.State.SENT, Job.State.DELIVERED, *Job.NEEDS_ATTENTION],
    ).values_list("posting_id", flat=True)
    return waiting - set(done)


def busy_worker_ids():
    """The ids of the workers running a task right now."""
    close_old_connections()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    return {ids[-1] for ids in running.values_list("worker_ids", flat=True) if ids}


def orphan_rows(dead_worker_ids):
    dead = set(dead_worker_ids)
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    return [row for row in running if row.worker_ids and row.worker_ids[-1] in dead]


def wait_until_drained(dead_worker_ids, timeout, expect_no_checkouts):
    """Poll until nothing is left to do (twice in a row); (seconds waited, drained, last
    backlog). Open checkouts count as work left only when they were made to expire."""
    began = time.monotonic()
    clear_polls = 0
    while True:
        close_old_connections()
        left = backlog(dead_worker_ids())
        if not expect_no_checkouts:
            left.pop("postings awaiting payment")
        clear_polls = clear_polls + 1 if not any(left.values()) else 0
        waited = time.monotonic() - began
        if clear_polls >= 2 or waited > timeout:
            return waited, clear_polls >= 2, left
        time.sleep(2)


# ---- the invariants -------------------------------------------------------------------


@dataclass
class Facts:
    """Everything the checks look at, gathered once."""

    postings: dict  # id -> JobPosting
    effects: list
    confirmations: dict  # posting id -> its confirmation Job
    refunds: list  # Refund rows
    events_pending: int
    events_failed: list
    sessions: dict  # id -> fakestripe's Checkout Session
    stripe_refunds: list
    stripe_charges: list  # every charge at fakestripe (declined ones included)
    stripe_disputes: list
    payments: dict  # PaymentIntent id -> the PaymentAttempt it paid
    refunds_made: list  # RefundMade rows: each refund Stripe made, whoever asked
    disputes: dict  # Stripe dispute id -> our Dispute record
    mail: list  # the mailer's records
    orphans: list  # task rows of killed workers still RUNNING
    overdue: list  # task rows due long ago and not started
    task_returns: dict  # periodic job -> list of what its runs returned
    # The returning employers' (soak/returning_checks.py):
    revisions: list = field(default_factory=list)  # every PostingRevision
    applied_revisions: dict = field(default_factory=dict)  # posting id -> apply_revision logs
    logo_files: set = field(default_factory=set)  # postings' logo names present in storage


def gather(api_base, dead_worker_ids, mail_folder):
    close_old_connections()
    now = timezone.now()
    postings = {
        str(posting.pk): posting for posting in JobPosting.objects.select_related("current_attempt")
    }
    effects = list(Job.objects.all())
    ready = DBTaskResult.objects.ready()
    task_returns = defaultdict(list)
    for row in DBTaskResult.objects.filter(
        task_path__startswith=PERIODIC, status=TaskResultStatus.SUCCESSFUL
    ).only("task_path", "return_value"):
        task_returns[row.task_path.removeprefix(PERIODIC)] += row.return_value or []
    return Facts(
        postings=postings,
        effects=effects,
        confirmations={
            str(effect.posting_id): effect
            for effect in effects
            if (effect.kind, effect.name) == ("email", Email.CONFIRMATION)
        },
        refunds=list(Refund.objects.all()),
        events_pending=StripeEvent.objects.pending().count(),
        events_failed=[
            f"{e.type} {e.event_id}: {e.job.last_error}"
            for e in StripeEvent.objects.failed().select_related("job")
        ],
        sessions={s["id"]: s for s in list_all(api_base, "/v1/checkout/sessions")},
        stripe_refunds=list_all(api_base, "/v1/refunds"),
        stripe_charges=list_all(api_base, "/v1/charges"),
        stripe_disputes=list_all(api_base, "/v1/disputes"),
        payments={
            payment.payment_intent_id: payment
            for payment in PaymentAttempt.objects.exclude(payment_intent_id="")
        },
        refunds_made=list(RefundMade.objects.all()),
        disputes={dispute.stripe_dispute_id: dispute for dispute in Dispute.objects.all()},
        mail=read_log(mail_folder),
        orphans=orphan_rows(dead_worker_ids),
        overdue=[row for row in ready if queue_age(row, now) > OVERDUE_SECONDS],
        task_returns=dict(task_returns),
        revisions=list(PostingRevision.objects.all()),
        applied_revisions=Counter(
            str(posting_id)
            for posting_id in TransitionLog.objects.filter(transition="apply_revision").values_list(
                "posting_id", flat=True
            )
        ),
        logo_files={
            posting.logo.name
            for posting in postings.values()
            if posting.logo and posting.logo.storage.exists(posting.logo.name)
        },
    )


def email_sent(effect):
    return effect is not None and effect.state in (Job.State.SENT, Job.State.DELIVERED)


def email_failed(effect):
    return effect is not None and effect.state in Job.NEEDS_ATTENTION


def session_of(posting):
    """The Checkout Session of the posting's current payment attempt ("" before any)."""
    return posting.current_attempt.session_id if posting.current_attempt else ""


def payment_of(posting):
    """The PaymentIntent that paid the posting's current attempt ("" when unpaid)."""
    return posting.current_attempt.payment_intent_id if posting.current_attempt else ""


def charges(facts):
    """PaymentIntent id -> its paid Checkout Session (each paid session is one charge)."""
    return {
        session["payment_intent"]: session
        for session in facts.sessions.values()
        if session["payment_status"] == "paid" and session["payment_intent"]
    }


def refunded_intents(facts):
    """PaymentIntents Stripe refunded in full."""
    return {
        charge["payment_intent"]
        for charge in facts.stripe_charges
        if charge["status"] == "succeeded" and charge["refunded"]
    }


@dataclass
class Money:
    """One charge at Stripe and what became of its amount there."""

    charge: dict
    refunded: int  # what Stripe returned to the card (the charge's amount_refunded)
    lost: int  # what the bank took back in disputes that were lost
    disputes: list  # Stripe's disputes of the charge

    @property
    def id(self):
        return self.charge["id"]

    @property
    def intent(self):
        return self.charge["payment_intent"]

    @property
    def kept(self):
        """What Stripe holds of it for us."""
        return self.charge["amount"] - self.refunded - self.lost


def money(facts):
    """Each succeeded charge at Stripe, with its refunds and lost disputes."""
    disputes = defaultdict(list)
    for dispute in facts.stripe_disputes:
        disputes[dispute["charge"]].append(dispute)
    return [
        Money(
            charge=charge,
            refunded=charge["amount_refunded"],
            lost=sum(d["amount"] for d in disputes[charge["id"]] if d["status"] in LOST),
            disputes=disputes[charge["id"]],
        )
        for charge in facts.stripe_charges
        if charge["status"] == "succeeded"
    ]


def processing(facts):
    """PaymentIntent ids whose charge is still pending at Stripe (a delayed method's debit
    the bank has not settled yet)."""
    return {
        charge["payment_intent"] for charge in facts.stripe_charges if charge["status"] == "pending"
    }


def posting_of_intent(facts, intent):
    """The posting a PaymentIntent was paid for: its Checkout Session names it."""
    for session in facts.sessions.values():
        if session["payment_intent"] == intent:
            return facts.postings.get(session["client_reference_id"] or "")
    return None


def check_settled(facts):
    check = Check("every posting ended in a settled state")
    own_refund_made = {
        (str(refund.posting_id), refund.payment_intent_id)
        for refund in facts.refunds
        if refund.state == Refund.State.SUCCEEDED
    }
    open_at_stripe = {
        d["payment_intent"] for d in facts.stripe_disputes if d["status"] in Dispute.OPEN
    }
    lost_here = {
        dispute.payment_intent_id for dispute in facts.disputes.values() if dispute.is_lost
    }
    for posting_id, posting in facts.postings.items():
        confirmation = facts.confirmations.get(posting_id)
        problem = None
        if posting.status == Status.AWAITING_PAYMENT:
            session = facts.sessions.get(session_of(posting))
            if session is None:
                problem = "awaiting payment, its checkout unknown to Stripe"
            elif session["status"] != "open":
                problem = f"awaiting payment, its checkout {session['status']} at Stripe"
        elif posting.status == Status.PAYMENT_PROCESSING:
            session = facts.sessions.get(session_of(posting)) or {}
            if session.get("payment_intent") not in processing(facts):
                problem = "payment processing, its debit not pending at Stripe"
        elif posting.status in (Status.PAID, Status.CONFIRMED):
            problem = f"{posting.status} but not in review"
        elif posting.status == Status.IN_REVIEW:
            flagged = email_failed(confirmation) and posting.last_error_message
            if not (email_sent(confirmation) or flagged):
                state = confirmation.state if confirmation else "missing"
                problem = f"in review, confirmation email {state}"
        elif posting.status == Status.REFUNDED:
            if (posting_id, payment_of(posting)) not in own_refund_made:
                problem = "refunded without a succeeded refund of its payment"
        elif posting.status == Status.DISPUTED:
            if payment_of(posting) not in open_at_stripe:
                problem = "disputed, with no dispute of its payment open at Stripe"
        elif posting.status == Status.DISPUTE_LOST:
            if payment_of(posting) not in lost_here:
                problem = "dispute_lost, with no lost dispute of its payment recorded"
        if problem:
            check.violations.append(f"posting {posting_id}: {problem}")
    return check


def check_effects(facts):
    check = Check("no side effect left queued or sending; failures flagged")
    for effect in facts.effects:
        if effect.in_flight:
            check.violations.append(f"effect {effect.pk} ({effect.key}) still {effect.state}")
        elif not effect.needs_attention or effect.posting_id is None:
            continue  # a failed job of no posting (a Stripe event) is check_events' business
        elif kind_named(effect.kind).employer_sees:
            # Staff see every failed job in the admin; the employer only their own, on
            # the posting's page.
            if not facts.postings[str(effect.posting_id)].last_error_at:
                check.violations.append(f"effect {effect.pk} ({effect.key}) failed, not flagged")
    return check


def check_events(facts):
    check = Check("every Stripe webhook event processed")
    if facts.events_pending:
        check.violations.append(f"{facts.events_pending} event(s) not processed")
    check.violations += [f"failed: {event}" for event in facts.events_failed]
    return check


def check_money(facts):
    """No charge without a posting, every paid posting with its charge, our refunds made."""
    check = Check("no charge without a posting; every paid posting has its charge")
    for intent, session in charges(facts).items():
        if facts.postings.get(session["client_reference_id"] or "") is None:
            check.violations.append(f"charge {intent} ({session['id']}) names no posting here")
    all_charges = charges(facts)
    for posting_id, posting in facts.postings.items():
        if posting.current_attempt is not None and posting.current_attempt.is_free:
            continue  # nothing charged (a 100 % promotion code): soak/plan_checks.py
        if posting.status in PAID_LIFE and payment_of(posting) not in all_charges:
            check.violations.append(f"posting {posting_id} is {posting.status} without a charge")
    for refund in facts.refunds:
        if refund.state != Refund.State.SUCCEEDED:
            check.violations.append(f"refund of {refund.payment_intent_id} is {refund.state}")
    return check


def check_money_explained(facts):
    """Every cent Stripe holds or returned is explained by a posting's state and its payment
    records. For each charge at Stripe: what Stripe refunded equals the payment's
    amount_refunded and the sum of its RefundMade rows that succeeded (a payment that was
    never the posting's, refunded as superseded or mismatched, is recorded only as our
    Refund: that must be the amount); each dispute is recorded here in Stripe's status, and
    a lost one of the posting's own payment ended it (dispute_lost); what Stripe keeps
    (amount - refunded - lost) is above zero only for the posting's own payment while it
    holds the service, and zero for every other payment."""
    check = Check("every cent Stripe holds or returned is explained by our records")
    made = defaultdict(int)
    for refund_made in facts.refunds_made:
        if refund_made.status == "succeeded":
            made[refund_made.payment_id] += refund_made.amount
    our_refunds = {refund.payment_intent_id: refund for refund in facts.refunds}
    for charge in money(facts):
        at_stripe = sum(
            refund["amount"]
            for refund in facts.stripe_refunds
            if refund["charge"] == charge.id and refund["status"] == "succeeded"
        )
        if at_stripe != charge.refunded:
            check.violations.append(
                f"charge {charge.id}: Stripe's refunds {at_stripe} != its amount_refunded "
                f"{charge.refunded}"
            )
        posting = posting_of_intent(facts, charge.intent)
        if posting is None:
            check.violations.append(f"charge {charge.id} ({charge.intent}) of no posting here")
            continue
        payment = facts.payments.get(charge.intent)
        own = payment_of(posting) == charge.intent
        later = is_later_payment(payment)  # a renewal: more of the same posting
        if payment is not None:
            if payment.amount_refunded != charge.refunded:
                check.violations.append(
                    f"charge {charge.id}: refunded {charge.refunded} at Stripe, "
                    f"{payment.amount_refunded} on its payment here"
                )
            if made[payment.pk] != charge.refunded:
                check.violations.append(
                    f"charge {charge.id}: refunded {charge.refunded} at Stripe, refunds made "
                    f"recorded here {made[payment.pk]}"
                )
        else:  # a stray payment (superseded, mismatched, abandoned): our Refund is its record
            record = our_refunds.get(charge.intent)
            if record is None:
                check.violations.append(
                    f"charge {charge.id} of posting {posting.pk}: no payment and no refund here"
                )
            elif charge.refunded and (
                record.state != Refund.State.SUCCEEDED or record.amount != charge.refunded
            ):
                check.violations.append(
                    f"charge {charge.id}: refunded {charge.refunded} at Stripe, our refund "
                    f"{record.amount} {record.state}"
                )
        for dispute in charge.disputes:
            ours = facts.disputes.get(dispute["id"])
            if ours is None or ours.status != dispute["status"]:
                check.violations.append(
                    f"dispute {dispute['id']} of charge {charge.id} is {dispute['status']} at "
                    f"Stripe, {ours.status if ours else 'unknown'} here"
                )
            if dispute["status"] in LOST and own and posting.status != Status.DISPUTE_LOST:
                check.violations.append(
                    f"dispute {dispute['id']} lost, posting {posting.pk} is {posting.status}"
                )
        holds = (own or later) and posting.status in HOLDS
        if charge.kept < 0:
            check.violations.append(f"charge {charge.id}: more returned than charged")
        elif charge.kept > 0 and not holds:
            whose = "its own payment" if own else "not its payment"
            check.violations.append(
                f"charge {charge.id}: Stripe keeps {charge.kept} of {charge.charge['amount']}, "
                f"posting {posting.pk} is {posting.status} ({whose})"
            )
        elif charge.kept == 0 and holds and own:
            check.violations.append(
                f"posting {posting.pk} is {posting.status}, nothing of its payment "
                f"{charge.intent} kept at Stripe"
            )
    return check


def is_later_payment(payment):
    """A paid attempt after the posting's first payment (a renewal: wizard.payments.purposes)."""
    return payment is not None and payment.purpose != PaymentAttempt.Purpose.FIRST


def renewed(facts, posting):
    """The posting has a paid renewal and the expiry it bought (two lifetimes from its
    publication at least)."""
    paid = [
        payment
        for payment in facts.payments.values()
        if payment.posting_id == posting.pk and payment.purpose == PaymentAttempt.Purpose.RENEWAL
    ]
    lifetimes = timedelta(days=2 * settings.POSTING_LIFETIME_DAYS) - timedelta(minutes=1)
    return bool(paid) and posting.expires_at - posting.published_at >= lifetimes


def check_debited_once(facts):
    """No employer is debited twice for one posting: per posting, at most one charge that
    Stripe keeps (any of it) or PaymentIntent still processing."""
    check = Check("no employer debited twice for one posting")
    debits = defaultdict(list)
    for charge in money(facts):
        if is_later_payment(facts.payments.get(charge.intent)):
            continue  # a renewal buys more of the posting: a purchase of its own
        if charge.kept > 0:
            posting = posting_of_intent(facts, charge.intent)
            debits[str(posting.pk) if posting else "?"].append(f"{charge.id} kept {charge.kept}")
    for intent in processing(facts):
        posting = posting_of_intent(facts, intent)
        debits[str(posting.pk) if posting else "?"].append(f"{intent} processing")
    for posting_id, found in debits.items():
        if len(found) > 1:
            check.violations.append(f"posting {posting_id} debited {len(found)} times: {found}")
    return check


def mail_by_effect(facts):
    sent = Counter()
    for entry in facts.mail:
        if entry["outcome"] == "sent":
            sent[entry["effect"]] += 1
    return sent


def duplicates(facts):
    return sum(count - 1 for count in mail_by_effect(facts).values() if count > 1)


def check_confirmations(facts):
    check = Check("every paid posting's confirmation emailed at least once")
    sent = mail_by_effect(facts)
    for posting_id, posting in facts.postings.items():
        if posting.status not in PAID_LIFE:
            continue
        confirmation = facts.confirmations.get(posting_id)
        if confirmation is None:
            check.violations.append(f"posting {posting_id} ({posting.status}) has no confirmation")
        elif not sent[str(confirmation.pk)] and not email_failed(confirmation):
            check.violations.append(f"posting {posting_id}: confirmation never sent")
    for effect in facts.effects:
        if effect.kind == "email" and email_sent(effect) and not sent[str(effect.pk)]:
            check.violations.append(f"email {effect.pk} ({effect.name}) recorded sent, never sent")
    return check


def check_duplicates(facts, kills):
    """At most one duplicate per kill, and each one explained: every copy but the last of
    an email was handed over by a worker that was then killed (the mailer records the
    sender's pid), and each copy carries its own attempt number (X-Jobwizard-Email)."""
    check = Check(f"duplicate emails at most one per worker kill ({len(kills)} kills)")
    found = duplicates(facts)
    if found > len(kills):
        check.violations.append(f"{found} duplicates > {len(kills)} kills")
    killed = {kill.pid for kill in kills}
    copies = defaultdict(list)
    for entry in facts.mail:
        if entry["outcome"] == "sent":
            copies[entry["effect"]].append(entry)
    for effect_id, sent in copies.items():
        if len(sent) < 2:
            continue
        sent.sort(key=lambda entry: entry["at"])
        unexplained = [entry for entry in sent[:-1] if entry["pid"] not in killed]
        if unexplained:
            check.violations.append(
                f"email {effect_id} sent {len(sent)} times; attempt "
                f"{unexplained[0]['attempt']} by pid {unexplained[0]['pid']}, never killed"
            )
        if len({entry["attempt"] for entry in sent}) < len(sent):
            check.violations.append(f"email {effect_id}: copies with the same attempt number")
    return check


def check_queue(facts, drained, waited, timeout):
    check = Check(f"the queue drained (within {timeout:.0f} s)")
    if not drained:
        check.violations.append(f"not drained after {waited:.0f} s")
    check.violations += [
        f"task {row.pk} ({row.task_path}) of a killed worker still RUNNING" for row in facts.orphans
    ]
    check.violations += [
        f"task {row.pk} ({row.task_path}) due {queue_age(row, timezone.now()):.0f} s ago"
        for row in facts.overdue
    ]
    return check


def check_employers(facts, outcomes):
    """What each employer did matches what the system shows."""
    check = Check(
        "what employers did matches: paid -> in review, or where Stripe's side (a dispute, a "
        "fraud warning, a Dashboard refund) or a withdrawal took it"
    )
    refunded = refunded_intents(facts)
    by_session = {session_id: s["payment_intent"] for session_id, s in facts.sessions.items()}
    for outcome in outcomes:
        posting = facts.postings.get(outcome.posting_id)
        who = f"employer {outcome.number} ({outcome.profile})"
        if outcome.expected:
            problem = expected_end(outcome.expected, posting)
            if problem:
                done = ", ".join(outcome.bank) or "nothing more"
                check.violations.append(f"{who} paid, then {done}; {problem}")
        elif outcome.paid:
            wanted = [Status.REFUNDED] if outcome.withdrew else [Status.IN_REVIEW]
            if outcome.profile == "withdraws" and not outcome.withdrew:
                wanted.append(Status.REFUNDED)  # the withdrawal went through, its page did not
            if posting is None or posting.status not in wanted:
                status = posting.status if posting else "missing"
                check.violations.append(f"{who} paid; posting {outcome.posting_id} is {status}")
        elif posting is not None and posting.status in PAID_LIFE:
            check.violations.append(f"{who} never paid; posting is {posting.status}")
        if outcome.renewal_sessions and (posting is None or not renewed(facts, posting)):
            check.violations.append(f"{who} paid a renewal; posting not renewed")
        if outcome.late_session and by_session.get(outcome.late_session) not in refunded:
            check.violations.append(f"{who}: late payment {outcome.late_session} not refunded")
        if "/checkout/" in outcome.pay_while_processing:
            check.violations.append(
                f"{who}: Pay while the debit was processing led to "
                f"{outcome.pay_while_processing.removeprefix('302 ')}"
            )
        if outcome.profile == "double_clicks" and len(set(outcome.checkout_urls)) > 1:
            check.violations.append(f"{who}: two presses of Pay opened different checkouts")
    return check


def expected_end(expected, posting):
    """ "" when the posting ended as Stripe's side called for (soak/bank.py), else why not:
    won -> back in review; lost -> dispute_lost; a fraud warning or a full Dashboard refund
    -> refunded; a partial Dashboard refund -> in review still, its payment partly refunded."""
    if posting is None:
        return "its posting is missing"
    payment = posting.current_attempt
    if expected == bank.PARTLY_REFUNDED:
        if posting.status != Status.IN_REVIEW:
            return f"posting {posting.pk} is {posting.status}, not in review"
        if payment is None or not 0 < payment.amount_refunded < payment.amount:
            refunded = payment.amount_refunded if payment else "no payment"
            return f"posting {posting.pk}'s payment shows {refunded} refunded, not a part"
        return ""
    if posting.status != expected:
        return f"posting {posting.pk} is {posting.status}, not {expected}"
    return ""


def check_no_server_errors(outcomes):
    check = Check("no server error (5xx other than the designed 503) answered")
    for outcome in outcomes:
        check.violations += [f"employer {outcome.number}: {e}" for e in outcome.server_errors]
    return check


def check_visits(outcomes):
    check = Check("every employer's visit went as planned (no unexpected page)")
    for outcome in outcomes:
        if outcome.unexpected:
            check.violations.append(
                f"employer {outcome.number} ({outcome.profile}): {outcome.unexpected}"
            )
    return check


def check_revisions(facts):
    return returning_checks.check_revisions(
        facts,
        Check(
            "live edits: at most one pending per posting; each approved one applied and "
            "announced once, a rejected one never"
        ),
    )


def check_returning(facts, outcomes):
    return returning_checks.check_returning(
        facts,
        outcomes,
        Check(
            "returning employers: each duplicate a posting of its own (its own logo file and "
            "payment), each live edit as staff decided"
        ),
    )


def run_all(facts, outcomes, kills, drained, waited, timeout):
    return [
        check_settled(facts),
        check_effects(facts),
        check_events(facts),
        check_money(facts),
        check_money_explained(facts),
        check_debited_once(facts),
        check_confirmations(facts),
        check_duplicates(facts, kills),
        check_queue(facts, drained, waited, timeout),
        check_employers(facts, outcomes),
        check_no_server_errors(outcomes),
        check_visits(outcomes),
        check_revisions(facts),
        check_returning(facts, outcomes),
    ]
