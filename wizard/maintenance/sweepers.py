"""Clean-up of what employers leave behind: abandoned drafts and unreferenced logo files."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from wizard.payments.checkout import release_checkout
from wizard.payments.exceptions import PaymentError
from wizard.postings import logos
from wizard.postings.models import Actor, JobPosting
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


def sweep_abandoned_drafts():
    """Drafts untouched for ABANDON_DRAFTS_AFTER_DAYS: expire any open checkout, delete the
    logo, mark abandoned. Returns the ids of the postings abandoned by this call."""
    cutoff = timezone.now() - timedelta(days=settings.ABANDON_DRAFTS_AFTER_DAYS)
    abandoned = []
    stale = JobPosting.objects.before_payment().filter(updated_at__lt=cutoff)
    for posting_id in stale.values_list("pk", flat=True):
        try:
            # A checkout open (expiring it below touches the row: not the employer coming back).
            paying = can_proceed(JobPosting.objects.get(pk=posting_id).close_checkout)
            if not release_checkout(posting_id, by=Actor.system(), why="Draft abandoned"):
                continue  # it turned out to be paid: not abandoned after all
        except PaymentError as exc:
            logger.warning("Could not expire the checkout of %s; next run: %s", posting_id, exc)
            continue
        with locked_posting(posting_id) as posting:
            if not can_proceed(posting.abandon) or can_proceed(posting.close_checkout):
                continue  # paid, or a checkout opened again, meanwhile
            if posting.updated_at >= cutoff and not paying:
                continue  # the employer came back meanwhile
            logo = posting.logo.name
            posting.logo.name = ""
            posting.abandon(by=Actor.system(), why="Untouched for too long")
            posting.save()
            transaction.on_commit(partial(logos.delete_logo, logo))
        abandoned.append(posting_id)
    return abandoned


def sweep_orphan_logos():
    """Delete files under the logo prefix that no posting references and that are older than
    the grace period (an upload in progress has stored its file but not yet its row).
    Returns the names deleted."""
    cutoff = timezone.now() - timedelta(hours=settings.ORPHAN_LOGO_GRACE_HOURS)
    referenced = set(JobPosting.objects.exclude(logo="").values_list("logo", flat=True))
    deleted = []
    for name in _stored_logos():
        if name in referenced or default_storage.get_modified_time(name) >= cutoff:
            continue
        # Re-check just before deleting: the upload may have been recorded meanwhile.
        if JobPosting.objects.filter(logo=name).exists():
            continue
        logos.delete_logo(name)
        deleted.append(name)
    return deleted


def _stored_logos():
    try:
        folders, files = default_storage.listdir(logos.LOGO_PREFIX)
    except FileNotFoundError:
        return  # nothing was ever uploaded
    for name in files:
        yield f"{logos.LOGO_PREFIX}/{name}"
    for folder in folders:
        for name in default_storage.listdir(f"{logos.LOGO_PREFIX}/{folder}")[1]:
            yield f"{logos.LOGO_PREFIX}/{folder}/{name}"
