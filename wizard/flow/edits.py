"""The employer's edits to a draft, each applied under a row lock after its side effects.

Every edit ends the same way: the flow recomputes how far the wizard has got
(`flow.sync_status`), in the transaction that saves the edit.
"""

import logging
from functools import partial

from django.db import transaction

from wizard import limits
from wizard.effects.email import Email, send_again
from wizard.payments.checkout import close_reservation_for_other_content, release_checkout
from wizard.payments.exceptions import CheckoutConflict
from wizard.postings import logos
from wizard.postings.models import Actor, JobPosting, new_nonce
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


class PostingLocked(Exception):
    """The posting is paid, or its payment processing: its content can no longer be edited."""


class TooManyDrafts(Exception):
    """This browser session, or this client address, started too many drafts this hour."""


def create_draft(session="", client="", employer=None):
    """A new draft, counted against the drafts one browser `session` (its key) and one
    `client` address may start in an hour (wizard.limits): TooManyDrafts when over. A
    signed-in `employer` owns it."""
    with transaction.atomic():
        if session and not limits.DRAFTS_PER_SESSION.take(session):
            raise TooManyDrafts()
        if client and not limits.DRAFTS_PER_CLIENT.take(client):
            raise TooManyDrafts()
        return JobPosting.objects.create(employer=employer)


def _make_editable(posting_id, seen=None):
    """Expire an open checkout first: the employer must not pay for an outdated posting.
    Nothing to do when the posting as this request loaded it (`seen`) had none open."""
    if seen is not None and not seen.has_checkout_open and seen.is_editable:
        return
    if not release_checkout(posting_id):
        raise PostingLocked()


def _check_editable(posting):
    if not posting.is_editable:
        raise PostingLocked()  # paid, or a delayed payment on its way
    if posting.has_checkout_open:
        raise CheckoutConflict()  # a checkout was opened again in another tab


def edit(flow, posting_id, change, *, why, seen=None):
    """Apply `change(posting)` to the locked draft and advance (or step back) its status.

    Raises PostingLocked once paid; a checkout still open is expired first. `seen`, the
    posting as this request loaded it, spares the query that looks for a checkout when it
    had none; one opened since (another tab) is found under the lock and expired then, as
    without `seen`. Returns the saved posting.
    """
    if seen is not None:
        try:
            return _edit(flow, posting_id, change, why=why, seen=seen)
        except CheckoutConflict:
            pass  # a checkout opened since this request loaded the posting: expire it
    return _edit(flow, posting_id, change, why=why)


def _edit(flow, posting_id, change, *, why, seen=None):
    _make_editable(posting_id, seen)
    with locked_posting(posting_id) as posting:
        _check_editable(posting)
        change(posting)
        flow.sync_status(posting, by=Actor.employer(), why=why)
        posting.save()
        close_reservation_for_other_content(posting)  # Pay pressed on the old content
        return posting


def keep_draft(posting_id, change):
    """Apply `change(posting)` to the locked draft's step data only: what was typed and
    not yet valid. The status never moves, an open checkout is left open (what it pays
    for, the columns, is unchanged), and a paid posting (or one whose payment is on its
    way) refuses with PostingLocked. An abandoned draft keeps nothing. Returns the posting."""
    with locked_posting(posting_id) as posting:
        if not posting.is_editable:
            raise PostingLocked()
        if not posting.is_abandoned:
            change(posting)
            posting.save(update_fields=["step_data", "updated_at"])
        return posting


# Why a status changed when a draft is touched without an edit: the flow changed under it.
PROJECTED = "Progress recomputed from the steps (the flow changed)"


def project(flow, posting):
    """Put a draft's status right when the flow computes another one from its steps (a
    step added, switched on or off since it was saved): under the row lock, logged.
    Returns the posting, as saved; costs nothing when the status already agrees."""
    if flow.is_projected(posting):
        return posting
    with locked_posting(posting.pk) as locked:
        flow.sync_status(locked, by=Actor.system(), why=PROJECTED)
        locked.save()
        return locked


def attach_logo(flow, posting_id, png_bytes):
    """Store the file first (an external call), then point the locked row at it."""
    _make_editable(posting_id)
    name = logos.store_logo(posting_id, png_bytes)

    def change(posting):
        transaction.on_commit(partial(logos.delete_logo, posting.logo.name))
        posting.logo.name = name

    try:
        return edit(flow, posting_id, change, why="Logo uploaded")
    except BaseException:
        logos.delete_logo(name)  # the row does not reference it: leave no orphan
        raise


def offer_company_profile(flow, posting_id, employer):
    """Start a signed-in employer's new draft from their company profile: the company's
    name, and its logo copied as the draft's own file, so the logo step is done (its
    completion noted as an upload's is). The copy is a storage call made before the lock;
    if it fails the draft goes on without it and the logo step stays to do."""
    if not employer.company_name and not employer.company_logo:
        return None
    name = ""
    if employer.company_logo:
        try:
            name = logos.copy_logo(posting_id, employer.company_logo.name)
        except logos.LogoStorageError:
            logger.warning("Could not copy the company logo to draft %s", posting_id, exc_info=True)

    def change(posting):
        posting.company_name = employer.company_name
        if name:
            posting.logo.name = name

    try:
        return edit(flow, posting_id, change, why="Started from the company profile")
    except BaseException:
        logos.delete_logo(name)  # the row does not reference it: leave no orphan
        raise


def send_new_manage_link(posting_id):
    """Replace the manage link's nonce, which revokes every "manage your posting" link sent
    so far, and queue the email with the new link, in one transaction.

    When the email is refused (TooSoon, from the cooldown) nothing changes: the links
    already sent go on working. Raises PostingLocked before payment (no link yet).
    """
    with locked_posting(posting_id) as posting:
        if not posting.is_paid:
            raise PostingLocked()
        posting.manage_nonce = new_nonce()
        posting.save(update_fields=["manage_nonce", "updated_at"])
        return send_again(posting, Email.MANAGE_LINK)


def resend_confirmation(posting_id, contact_email):
    """The employer corrects the address if needed and asks for the confirmation again."""
    with locked_posting(posting_id) as posting:
        if not posting.is_paid:
            raise PostingLocked()  # nothing to confirm yet
        if posting.contact_email != contact_email:
            posting.contact_email = contact_email
            posting.save()
    send_again(posting, Email.CONFIRMATION)
