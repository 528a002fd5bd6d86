"""The "finish later" link: an emailed, signed, single-use link that reopens a draft.

Opening a link (GET) shows a page with a "Continue your draft" button and spends
nothing, so that a mail scanner that opens links first does not use it up. The
button (POST) attaches the draft to the browser's session and replaces the nonce
the link was signed over (wizard.postings.links), so a link works once, and only
within FINISH_LATER_LINK_MAX_AGE_DAYS of being made.

Anyone can type any address into the form, so the links sent are limited (wizard.limits,
counted atomically): per recipient (FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY, across all
drafts) and per client (FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR, per browser session and
per client address, as wizard.web.client tells it behind proxies). A refused or failed
request counts for none of them: the uses are taken in the request's transaction.
"""

import secrets
from dataclasses import dataclass

from django.utils import timezone

from wizard import limits
from wizard.effects.email import Email, send_again
from wizard.flow.edits import PostingLocked
from wizard.postings.links import LinkUsed
from wizard.postings.models import JobPosting
from wizard.postings.transitions import locked_posting
from wizard.web.client import client_address


class DraftClosed(Exception):
    """The draft was abandoned: no link can reopen it."""


class TooManyLinks(Exception):
    """Over a limit: `scope` is "address" (the recipient's) or "client" (the asker's)."""

    def __init__(self, scope):
        super().__init__(f"Too many links asked for by this {scope}.")
        self.scope = scope


@dataclass(frozen=True)
class Client:
    """Who asks: the browser session's key and the client's address (the limits store
    both as keyed hashes only)."""

    session: str = ""
    ip: str = ""

    @classmethod
    def of(cls, request):
        return cls(session=request.session.session_key or "", ip=client_address(request) or "")


def take_limits(email, client, now=None):
    """Count one more link to `email` asked for by `client`, or raise TooManyLinks (then
    the caller's transaction must roll back what was counted)."""
    if not limits.LINKS_TO_ADDRESS.take(email.strip().lower(), now=now):
        raise TooManyLinks("address")
    if client.session and not limits.LINKS_PER_SESSION.take(client.session, now=now):
        raise TooManyLinks("client")
    if client.ip and not limits.LINKS_PER_CLIENT.take(client.ip, now=now):
        raise TooManyLinks("client")


def request_link(posting_id, contact_email, client=None):
    """Save the contact email (and nothing else) and queue the link email.

    One transaction: when the email is refused (TooSoon, from the cooldown, or
    TooManyLinks, from the limits), nothing is saved. Raises PostingLocked for a
    paid posting, DraftClosed for an abandoned one.
    """
    with locked_posting(posting_id) as posting:
        if not posting.is_editable:  # paid, or its payment processing
            raise PostingLocked()
        if posting.is_abandoned:
            raise DraftClosed()
        take_limits(contact_email, client or Client(), timezone.now())
        posting.contact_email = contact_email
        if not posting.finish_later_nonce:
            posting.finish_later_nonce = secrets.token_urlsafe(16)
        posting.save(update_fields=["contact_email", "finish_later_nonce", "updated_at"])
        return send_again(posting, Email.FINISH_LATER)


def check_link(posting_id, nonce):
    """The posting a link opens, if it can still be used; spends nothing."""
    posting = JobPosting.objects.get(pk=posting_id)
    if not secrets.compare_digest(posting.finish_later_nonce, nonce):
        raise LinkUsed()
    if posting.is_abandoned:
        raise DraftClosed()
    return posting


def use_link(posting_id, nonce):
    """Check the link against the locked row and spend it: the nonce is replaced."""
    with locked_posting(posting_id) as posting:
        if not secrets.compare_digest(posting.finish_later_nonce, nonce):
            raise LinkUsed()
        if posting.is_abandoned:
            raise DraftClosed()
        posting.finish_later_nonce = secrets.token_urlsafe(16)
        posting.save(update_fields=["finish_later_nonce", "updated_at"])
        return posting
