"""The employer's edits to a posting, each applied under a row lock after its side effects."""

from functools import partial

from django.db import transaction

from wizard.effects import runner as mailing
from wizard.effects.models import EmailRecord
from wizard.payments.checkout import release_checkout
from wizard.payments.exceptions import CheckoutConflict
from wizard.postings import logos
from wizard.postings.models import Actor, JobPosting, Status
from wizard.postings.transitions import locked_posting


class PostingLocked(Exception):
    """The posting is paid: its content can no longer be edited."""


def create_draft():
    return JobPosting.objects.create()


def _make_editable(posting_id):
    """Expire an open checkout first: the employer must not pay for an outdated posting."""
    if not release_checkout(posting_id):
        raise PostingLocked()


def _check_editable(posting):
    if posting.is_paid:
        raise PostingLocked()
    if posting.status == Status.AWAITING_PAYMENT:
        raise CheckoutConflict()  # a checkout was opened again in another tab


def attach_logo(posting_id, png_bytes):
    _make_editable(posting_id)
    name = logos.store_logo(posting_id, png_bytes)
    try:
        with locked_posting(posting_id) as posting:
            _check_editable(posting)
            replaced = posting.logo.name
            posting.logo.name = name
            if posting.status == Status.DRAFT:
                posting.complete_logo_step(by=Actor.employer(), why="Logo uploaded")
            posting.save()
            transaction.on_commit(partial(logos.delete_logo, replaced))
    except BaseException:
        logos.delete_logo(name)  # the row does not reference it: leave no orphan
        raise


def skip_logo(posting_id):
    with locked_posting(posting_id) as posting:
        if posting.status == Status.DRAFT:
            posting.complete_logo_step(by=Actor.employer(), why="Continued without a logo")
            posting.save()


def save_details(posting_id, details):
    _make_editable(posting_id)
    with locked_posting(posting_id) as posting:
        _check_editable(posting)
        for field, value in details.items():
            setattr(posting, field, value)
        if posting.status == Status.LOGO_READY:
            posting.complete_details_step(by=Actor.employer(), why="Details saved")
        posting.save()


def resend_confirmation(posting_id, contact_email):
    """The employer corrects the address if needed and asks for the confirmation again."""
    with locked_posting(posting_id) as posting:
        if not posting.is_paid:
            raise PostingLocked()  # nothing to confirm yet
        if posting.contact_email != contact_email:
            posting.contact_email = contact_email
            posting.save()
    mailing.resend(posting, EmailRecord.Kind.CONFIRMATION)
