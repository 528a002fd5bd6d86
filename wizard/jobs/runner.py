"""The one runner of every side effect: queue, claim, perform, record, retry.

Guarantee: without crashes each requested effect runs exactly once. A worker that
dies between the provider's answer and recording it leaves the effect `sending`;
recovery (wizard.jobs.recovery) queues it again, so a crash costs at most one
duplicate, which the attempt count and the provider's ids reveal.

Lock order, everywhere: the posting, then its effect.
"""

import logging
import random
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Subquery
from django.tasks import task
from django.utils import timezone

from wizard.jobs.kinds import kind_named
from wizard.jobs.models import Job
from wizard.ops.logs import posting_context
from wizard.payments import client as stripe_client
from wizard.postings.models import JobPosting

logger = logging.getLogger(__name__)

State = Job.State


class TooSoon(Exception):
    """The same effect was asked for moments ago; `wait` says how long until it may be."""

    def __init__(self, wait):
        super().__init__(f"Please wait {wait} before asking again.")
        self.wait = wait


def queue(posting, kind, name, payload=None):
    """Create or re-queue the (posting, kind, name) effect and enqueue its task.

    Call inside the transaction that decides the effect is due (rule 3 of the design):
    the record and its task commit, or roll back, with that decision.
    """
    assert transaction.get_connection().in_atomic_block, "queue() needs a transaction"
    now = timezone.now()
    effect, created = Job.objects.select_for_update().get_or_create(
        posting=posting,
        kind=kind,
        name=name,
        defaults={"key": f"{kind}:{name}:{posting.pk}", "payload": payload or {}},
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
    run_job.enqueue(effect.pk)
    if kind_named(kind).run_at_once:
        transaction.on_commit(partial(run_now, effect.pk))
    return effect


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
    with stripe_client.background():  # the worker: no employer is waiting
        return run_now(effect_id)


def run_now(effect_id):
    """One attempt, in this process: claim, perform, record. Returns what happened.
    Every line logged once the effect is claimed names its posting."""
    effect = _claim(effect_id)
    if effect is None:
        return "nothing to do"
    with posting_context(effect.posting_id):
        return _attempt(effect)


def _attempt(effect):
    kind = kind_named(effect.kind)
    try:
        performed = kind.perform(effect)
    except Exception as exc:  # every failure is recorded and classified below
        return _record_failure(effect.pk, exc, posting_id=effect.posting_id)
    provider_id, outcome = performed if isinstance(performed, tuple) else (performed, None)
    _record_success(effect.pk, provider_id or "", outcome, posting_id=effect.posting_id)
    return "done"


def _locked(effect_id, posting_id=None):
    """Lock the posting, then its effect: the order every writer of both follows.

    Two queries: the posting is found from the effect inside the locking query (only the
    posting's row is locked by it) unless the caller knows it already."""
    if posting_id is None:
        posting_id = Subquery(Job.objects.filter(pk=effect_id).values("posting_id")[:1])
    # The posting's payment comes in the same query (emails show its price); only the
    # posting's row is locked.
    posting = (
        JobPosting.objects.select_related("current_attempt")
        .select_for_update(of=("self",))
        .get(pk=posting_id)
    )
    return Job.objects.select_for_update().get(pk=effect_id), posting


def _claim(effect_id):
    with transaction.atomic():
        effect, posting = _locked(effect_id)
        if effect.state != State.QUEUED:
            return None  # done already, or another worker is on it
        effect.state = State.SENDING
        effect.attempts += 1
        effect.started_at = timezone.now()
        effect.posting = posting
        effect.target = kind_named(effect.kind).target(effect)[:500]
        effect.save()
        return effect


def _record_success(effect_id, provider_id, outcome=None, *, posting_id=None):
    with transaction.atomic():
        effect, posting = _locked(effect_id, posting_id)
        effect.state = State.SENT
        effect.provider_id = provider_id
        if outcome is not None:
            effect.payload = {**effect.payload, "outcome": outcome}
        effect.sent_at = timezone.now()
        effect.last_error = ""
        effect.save()
        kind_named(effect.kind).succeeded(effect, posting)
    logger.info(
        "Job %s (%s) done at attempt %s%s",
        effect.pk,
        effect.key,
        effect.attempts,
        f", provider id {provider_id}" if provider_id else "",
    )


def _record_failure(effect_id, exc, *, posting_id=None):
    detail = describe(exc)
    with transaction.atomic():
        effect, posting = _locked(effect_id, posting_id)
        kind = kind_named(effect.kind)
        effect.last_error = detail
        if kind.is_permanent(exc) or effect.attempts >= kind.max_attempts:
            effect.state = State.FAILED
            effect.failed_at = timezone.now()
            effect.save()
            kind.failed(effect, posting)
            logger.error(
                "Job %s (%s) failed for good after %s attempt(s): %s",
                effect.pk,
                effect.key,
                effect.attempts,
                detail,
            )
            return "failed"
        effect.state = State.QUEUED
        effect.next_attempt_at = timezone.now() + backoff(effect.attempts)
        effect.save()
        run_job.using(run_after=effect.next_attempt_at).enqueue(effect.pk)
        logger.warning(
            "Job %s (%s) attempt %s failed, retrying at %s: %s",
            effect.pk,
            effect.key,
            effect.attempts,
            effect.next_attempt_at,
            detail,
        )
        return "retry scheduled"


def report_outcome(provider_id, *, delivered, at=None, detail=""):
    """A provider's later report on an effect it accepted (a delivery or a bounce)."""
    found = Job.objects.filter(provider_id=str(provider_id)).first()
    if found is None:
        return None
    with transaction.atomic():
        effect, posting = _locked(found.pk, found.posting_id)
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
            kind_named(effect.kind).failed(effect, posting)
        return effect


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
