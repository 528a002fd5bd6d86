"""Clean-up of what employers leave behind: abandoned drafts (and empty ones, sooner),
unreferenced logo files, and the uses of limits that no longer count."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from wizard import limits
from wizard.payments.checkout import release_checkout
from wizard.payments.exceptions import PaymentError
from wizard.postings import logos
from wizard.postings.models import Actor, JobPosting
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


# What an empty draft lacks: everything the employer could have given us.
EMPTY = {
    "logo": "",
    "company_name": "",
    "title": "",
    "description": "",
    "apply_url": "",
    "apply_email": "",
    "contact_email": "",
}


def is_empty(posting):
    return all(getattr(posting, field) == value for field, value in EMPTY.items())


def sweep_abandoned_drafts():
    """Drafts untouched for ABANDON_DRAFTS_AFTER_DAYS, and empty drafts (no logo, no
    details, no email) untouched for ABANDON_EMPTY_DRAFTS_AFTER_HOURS: expire any open
    checkout, delete the logo, mark abandoned. Returns the ids of the postings abandoned
    by this call."""
    now = timezone.now()
    cutoff = now - timedelta(days=settings.ABANDON_DRAFTS_AFTER_DAYS)
    empty_cutoff = now - timedelta(hours=settings.ABANDON_EMPTY_DRAFTS_AFTER_HOURS)
    drafts = JobPosting.objects.before_payment()
    abandoned = []
    for posting_id in drafts.filter(updated_at__lt=cutoff).values_list("pk", flat=True):
        if _abandon(posting_id, cutoff, "Untouched for too long"):
            abandoned.append(posting_id)
    empty = drafts.filter(updated_at__lt=empty_cutoff, **EMPTY).exclude(pk__in=abandoned)
    for posting_id in empty.values_list("pk", flat=True):
        if _abandon(posting_id, empty_cutoff, "Left empty", empty=True):
            abandoned.append(posting_id)
    return abandoned


def _abandon(posting_id, cutoff, why, empty=False):
    """Abandon one draft untouched since before `cutoff` (and still empty, if `empty`);
    whether it was."""
    try:
        # A checkout open (expiring it below touches the row: not the employer coming back).
        paying = can_proceed(JobPosting.objects.get(pk=posting_id).close_checkout)
        if not release_checkout(posting_id, by=Actor.system(), why="Draft abandoned"):
            return False  # it turned out to be paid: not abandoned after all
    except PaymentError as exc:
        logger.warning("Could not expire the checkout of %s; next run: %s", posting_id, exc)
        return False
    with locked_posting(posting_id) as posting:
        if not can_proceed(posting.abandon) or can_proceed(posting.close_checkout):
            return False  # paid, or a checkout opened again, meanwhile
        if posting.updated_at >= cutoff and not paying:
            return False  # the employer came back meanwhile
        if empty and not is_empty(posting):
            return False
        logo = posting.logo.name
        posting.logo.name = ""
        posting.abandon(by=Actor.system(), why=why)
        posting.save()
        transaction.on_commit(partial(logos.delete_logo, logo))
    return True


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


def sweep_limit_uses():
    """Forget the uses of limits (wizard.limits) that no longer count."""
    return limits.prune_uses()
