"""The one runner of every job (an outbound side effect, an inbound Stripe event): queue,
claim, perform, record, retry with backoff, wait when a provider asks (Retry-After) or a
kind's budget is spent.

Guarantee: without crashes each requested job runs exactly once. A worker that dies
between the provider's answer and recording it leaves the job `sending`; recovery
(wizard.jobs.recovery) queues it again, so a crash costs at most one duplicate, which
the attempt count and the provider's ids reveal.

Lock order, everywhere: the posting, then its job. Claiming and recording change the
job by conditional updates (its state and attempt number as they were read), so a
worker whose job was taken back by recovery records nothing.
"""

import logging
import random
from contextlib import nullcontext
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.tasks import task
from django.utils import timezone

from wizard.jobs import budget
from wizard.jobs.kinds import kind_named
from wizard.jobs.models import Job
from wizard.postings.logcontext import posting_context
from wizard.postings.models import JobPosting

logger = logging.getLogger(__name__)

State = Job.State

# Sent in the transaction that records it, in a savepoint (the sender is the kind; a
# receiver's error is logged, its work undone): each failed attempt that counts (`job`,
# `kind`, `error`: the exception described), and a job failed for good after its last
# attempt or its provider's later report of a bounce. wizard.ops.watch tells staff.
attempt_failed = Signal()
failed_for_good = Signal()


class TooSoon(Exception):
    """The same effect was asked for moments ago; `wait` says how long until it may be."""

    def __init__(self, wait):
        super().__init__(f"Please wait {wait} before asking again.")
        self.wait = wait


def queue(posting, kind, name, payload=None):
    """Create or re-queue the (posting, kind, name) job and enqueue its task. `posting`
    may be None: a job that belongs to no posting.

    Call inside the transaction that decides the job is due (rule 3 of the design):
    the record and its task commit, or roll back, with that decision.
    """
    assert transaction.get_connection().in_atomic_block, "queue() needs a transaction"
    now = timezone.now()
    effect, created = Job.objects.select_for_update().get_or_create(
        posting=posting,
        kind=kind,
        name=name,
        defaults={"key": _key(kind, name, posting), "payload": payload or {}},
    )
    if not created:
        if effect.state == State.SENDING:
            return effect  # an attempt is under way; it will be recovered if it died
        effect.state = State.QUEUED
        effect.queued_at = effect.next_attempt_at = now
        effect.last_error = ""
        if payload is not None:
            effect.payload = payload
        effect.save()
    _enqueue(effect)
    return effect


def queue_new(kind, name, payload=None, *, employer=None):
    """Create a job of no posting (of `employer`'s account, if given) and enqueue its task,
    in the caller's transaction (a stored Stripe event's, say). Raises IntegrityError when
    the job exists already."""
    assert transaction.get_connection().in_atomic_block, "queue_new() needs a transaction"
    effect = Job.objects.create(
        posting=None,
        employer=employer,
        kind=kind,
        name=name,
        key=_key(kind, name, None),
        payload=payload or {},
    )
    _enqueue(effect)
    return effect


def queue_once(kind, name, *, due, payload=None):
    """The job of no posting `kind`/`name`, locked: created due at `due` with its task, or
    as it is when it exists already (never re-queued). Returns (job, created). Concurrent
    callers get the one job. In the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "queue_once() needs a transaction"
    job, created = Job.objects.select_for_update().get_or_create(
        posting=None,
        kind=kind,
        name=name,
        defaults={"key": _key(kind, name, None), "next_attempt_at": due, "payload": payload or {}},
    )
    if created:
        run_job.using(run_after=due).enqueue(job.pk)
    return job, created


def _key(kind, name, posting):
    return f"{kind}:{name}" if posting is None else f"{kind}:{name}:{posting.pk}"


def _enqueue(effect):
    run_job.enqueue(effect.pk)
    if kind_named(effect.kind).run_at_once:
        transaction.on_commit(partial(run_now, effect.pk))


def queue_again(posting, kind, name, *, cooldown):
    """Someone asks for an effect again (an employer's "send it again"). A failed one is
    re-queued at once; one that went out only after `cooldown` since it was queued."""
    with transaction.atomic():
        effect = (
            Job.objects.select_for_update().filter(posting=posting, kind=kind, name=name).first()
        )
        recent = effect is not None and effect.queued_at > timezone.now() - cooldown
        if recent and not effect.needs_attention:
            raise TooSoon(wait=effect.queued_at + cooldown - timezone.now())
        return queue(posting, kind, name)


def retry(effects):
    """Staff ask for effects to be run again (after fixing an address, say). Returns how
    many were queued."""
    count = 0
    for effect in effects.select_related("posting"):
        with transaction.atomic():
            queue(effect.posting, effect.kind, effect.name)
        count += 1
    return count


@task()
def run_job(effect_id):
    return run_now(effect_id, in_worker=True)


def run_now(effect_id, *, in_worker=False):
    """One attempt, in this process: claim, perform, record. Returns what happened.
    Every line logged once the effect is claimed names its posting."""
    effect = _claim(effect_id)
    if effect is None:
        return "nothing to do"
    with posting_context(effect.posting_id):
        return _attempt(effect, in_worker)


def _attempt(effect, in_worker):
    kind = kind_named(effect.kind)
    try:
        with kind.in_worker() if in_worker else nullcontext():
            performed = kind.perform(effect)
    except Exception as exc:  # every failure is recorded and classified below
        return _record_failure(effect, exc)
    provider_id, outcome = performed if isinstance(performed, tuple) else (performed, None)
    return _record_success(effect, provider_id or "", outcome)


def _claim(effect_id):
    """Take a queued job for one attempt: one read (the job and its posting) and one
    conditional update, which only one worker can win. A kind with a budget counts the
    attempt first, or has the job wait for its next window (wizard.jobs.budget)."""
    effect = Job.objects.select_related("posting__current_attempt").filter(pk=effect_id).first()
    if effect is None or effect.state != State.QUEUED:
        return None  # done already, or another worker is on it
    kind = kind_named(effect.kind)
    now = timezone.now()
    taken = Job.objects.filter(pk=effect.pk, state=State.QUEUED, attempts=effect.attempts)
    changes = {
        "state": State.SENDING,
        "attempts": effect.attempts + 1,
        "started_at": now,
        "target": kind.target(effect)[:500],
    }
    if kind.budget is None:
        if not taken.update(**changes, updated_at=now):
            return None
    else:
        with transaction.atomic():
            if not taken.select_for_update().exists():
                return None
            wait_until = budget.spend(effect, kind.budget, now)
            if wait_until is not None:
                return _wait(effect, wait_until, "its budget is spent until")
            taken.update(**changes, updated_at=now)
    for field, value in changes.items():
        setattr(effect, field, value)
    return effect


def _wait(effect, until, why):
    """The job waits until `until` without spending an attempt (in the caller's
    transaction). Returns None: nothing was claimed."""
    Job.objects.filter(pk=effect.pk).update(next_attempt_at=until, updated_at=timezone.now())
    run_job.using(run_after=until).enqueue(effect.pk)
    logger.info("Job %s (%s) waits: %s %s", effect.pk, effect.key, why, until)
    return None


def _locked_posting(effect):
    """Lock the job's posting, if it has one: the posting is locked before its job by every
    writer of both, and its kind's succeeded/failed change it under that lock."""
    if effect.posting_id is None:
        return None
    return JobPosting.objects.select_for_update().get(pk=effect.posting_id)


def _record(effect, **changes):
    """Write the attempt's outcome, unless recovery took the job back meanwhile (it was
    `sending` too long): then the attempt it queued records its own. Returns whether it
    was written."""
    changes.setdefault("updated_at", timezone.now())
    mine = Job.objects.filter(pk=effect.pk, state=State.SENDING, attempts=effect.attempts)
    if not mine.update(**changes):
        return False
    for field, value in changes.items():
        setattr(effect, field, value)
    return True


def _record_success(effect, provider_id, outcome=None):
    with transaction.atomic():
        posting = _locked_posting(effect)
        payload = effect.payload if outcome is None else {**effect.payload, "outcome": outcome}
        if not _record(
            effect,
            state=State.SENT,
            provider_id=provider_id,
            payload=payload,
            sent_at=timezone.now(),
            last_error="",
        ):
            return "taken back by recovery"
        kind_named(effect.kind).succeeded(effect, posting)
    logger.info(
        "Job %s (%s) done at attempt %s%s",
        effect.pk,
        effect.key,
        effect.attempts,
        f", provider id {provider_id}" if provider_id else "",
    )
    return "done"


def _record_failure(effect, exc):
    detail = describe(exc)
    kind = kind_named(effect.kind)
    with transaction.atomic():
        posting = _locked_posting(effect)
        wait = None if kind.is_permanent(exc) else kind.retry_after(exc)
        if wait is not None:
            # The provider said when to come back (a 429's Retry-After): this attempt
            # does not count, and the job waits that long.
            until = timezone.now() + wait
            if not _record(
                effect,
                state=State.QUEUED,
                attempts=effect.attempts - 1,
                next_attempt_at=until,
                last_error=f"{detail} (asked to wait {wait.total_seconds():g} s)",
            ):
                return "taken back by recovery"
            run_job.using(run_after=until).enqueue(effect.pk)
            logger.warning("Job %s (%s) waits until %s: %s", effect.pk, effect.key, until, detail)
            return "waiting (Retry-After)"
        if kind.is_permanent(exc) or effect.attempts >= kind.max_attempts:
            if not _record(effect, state=State.FAILED, failed_at=timezone.now(), last_error=detail):
                return "taken back by recovery"
            kind.failed(effect, posting, exc)
            _tell(attempt_failed, effect, kind, detail)
            _tell(failed_for_good, effect, kind, detail)
            logger.error(
                "Job %s (%s) failed for good after %s attempt(s): %s",
                effect.pk,
                effect.key,
                effect.attempts,
                detail,
            )
            return "failed"
        until = timezone.now() + backoff(effect.attempts)
        if not _record(effect, state=State.QUEUED, next_attempt_at=until, last_error=detail):
            return "taken back by recovery"
        _tell(attempt_failed, effect, kind, detail)
        run_job.using(run_after=until).enqueue(effect.pk)
        logger.warning(
            "Job %s (%s) attempt %s failed, retrying at %s: %s",
            effect.pk,
            effect.key,
            effect.attempts,
            until,
            detail,
        )
        return "retry scheduled"


def report_outcome(provider_id, *, delivered, at=None, detail=""):
    """A provider's later report on an effect it accepted (a delivery or a bounce)."""
    found = Job.objects.filter(provider_id=str(provider_id)).first()
    if found is None:
        return None
    with transaction.atomic():
        posting = _locked_posting(found)
        effect = Job.objects.select_for_update().get(pk=found.pk)
        at = at or timezone.now()
        if delivered and effect.state == State.SENT:
            effect.state = State.DELIVERED
            effect.delivered_at = at
            effect.save()
        elif not delivered and effect.state in (State.SENT, State.DELIVERED):
            effect.state = State.BOUNCED
            effect.failed_at = at
            effect.last_error = detail
            effect.save()
            kind = kind_named(effect.kind)
            kind.failed(effect, posting)
            _tell(failed_for_good, effect, kind, detail)
        return effect


def _tell(signal, job, kind, error):
    """Send `signal` in a savepoint: a receiver's error is logged and its work undone,
    never lost with the outcome it follows."""
    try:
        with transaction.atomic():
            signal.send(kind, job=job, kind=kind, error=error)
    except Exception as exc:  # the outcome is recorded whatever its receivers do
        logger.error(
            "Job %s (%s): telling of its failure failed: %s", job.pk, job.key, describe(exc)
        )


def describe(exc):
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # some exceptions cannot describe themselves; never lose the failure
        return f"{type(exc).__name__} (status {getattr(exc, 'status_code', None)})"


def backoff(attempt):
    """Exponential backoff with jitter: about base, 2×base, 4×base… capped, each 50–100 %."""
    delay = min(
        settings.EFFECT_RETRY_MAX_SECONDS, settings.EFFECT_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    )
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))
