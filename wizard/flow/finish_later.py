"""The "finish later" link: an emailed, signed, single-use link that reopens a draft.

Opening a link attaches the draft to the browser's session and replaces the nonce
the link was signed over (wizard.postings.links), so a link works once, and only
within RESUME_LINK_MAX_AGE_DAYS of being made.
"""

import secrets

from wizard.effects.email import Email, send_again
from wizard.flow.edits import PostingLocked
from wizard.postings.links import LinkUsed
from wizard.postings.models import Status
from wizard.postings.transitions import locked_posting


class DraftClosed(Exception):
    """The draft was abandoned: no link can reopen it."""


def request_link(posting_id, contact_email):
    """Save the contact email (and nothing else) and queue the link email.

    One transaction: when the email is refused (TooSoon, from the cooldown),
    nothing is saved. Raises PostingLocked for a paid posting, DraftClosed for an
    abandoned one.
    """
    with locked_posting(posting_id) as posting:
        if posting.is_paid:
            raise PostingLocked()
        if posting.status == Status.ABANDONED:
            raise DraftClosed()
        posting.contact_email = contact_email
        if not posting.resume_nonce:
            posting.resume_nonce = secrets.token_urlsafe(16)
        posting.save(update_fields=["contact_email", "resume_nonce", "updated_at"])
        return send_again(posting, Email.FINISH_LATER)


def use_link(posting_id, nonce):
    """Check the link against the locked row and spend it: the nonce is replaced."""
    with locked_posting(posting_id) as posting:
        if not secrets.compare_digest(posting.resume_nonce, nonce):
            raise LinkUsed()
        if posting.status == Status.ABANDONED:
            raise DraftClosed()
        posting.resume_nonce = secrets.token_urlsafe(16)
        posting.save(update_fields=["resume_nonce", "updated_at"])
        return posting
