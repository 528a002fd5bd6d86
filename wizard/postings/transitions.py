"""How transitions are applied: under a row lock, in a transaction, logged, and announced
(wizard.postings.events), in that order."""

import logging
from contextlib import contextmanager

from django.db import transaction
from django.dispatch import receiver
from django_fsm.signals import post_transition

from wizard.postings import events
from wizard.postings.logcontext import posting_context
from wizard.postings.models import JobPosting, TransitionLog

logger = logging.getLogger(__name__)


@contextmanager
def locked_posting(posting_id):
    """Yield the posting locked for update inside a transaction.

    Make external calls before entering, never inside: rule 4 of the design. Lines logged
    inside name the posting.
    """
    with posting_context(posting_id), transaction.atomic():
        yield JobPosting.objects.select_for_update().get(pk=posting_id)


@receiver(post_transition, sender=JobPosting)
def log_transition(sender, instance, name, source, target, method_kwargs, **kwargs):
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            f"JobPosting.{name}() must run inside transaction.atomic(), "
            "so the log and the new status commit together."
        )
    by = method_kwargs["by"]
    TransitionLog.objects.create(
        posting=instance,
        transition=name,
        source=source,
        target=target,
        actor=by.kind,
        user=by.user,
        reason=method_kwargs["why"][:255],
    )
    logger.info(
        "Posting %s: %s, %s → %s, by %s: %s",
        instance.pk,
        name,
        source,
        target,
        by.kind,
        method_kwargs["why"],
        extra={"transition": name, "source": source, "target": target, "actor": by.kind},
    )
    events.announce(instance, name, by=by, why=method_kwargs["why"], source=source)
