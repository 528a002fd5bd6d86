"""The "finish later" link: an emailed, signed, single-use link that reopens a draft.

Opening a link (GET) shows a page with a "Continue your draft" button and spends
nothing, so that a mail scanner that opens links first does not use it up. The
button (POST) attaches the draft to the browser's session and replaces the nonce
the link was signed over (wizard.postings.links), so a link works once, and only
within FINISH_LATER_LINK_MAX_AGE_DAYS of being made.

Anyone can type any address into the form, so the links sent are limited: per
recipient (FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY, across all drafts) and per
client (FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR, per browser session and per IP
address). Each request is recorded in its email effect's payload, the client
as keyed hashes only, so that the count needs no other table.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from wizard.effects.email import KIND as EMAIL
from wizard.effects.email import Email, send_again
from wizard.flow.botcheck import client_ip
from wizard.flow.edits import PostingLocked
from wizard.jobs.models import Job
from wizard.postings.links import LinkUsed
from wizard.postings.models import JobPosting
from wizard.postings.transitions import locked_posting

ADDRESS_WINDOW = timedelta(days=1)
CLIENT_WINDOW = timedelta(hours=1)


class DraftClosed(Exception):
    """The draft was abandoned: no link can reopen it."""


class TooManyLinks(Exception):
    """Over a limit: `scope` is "address" (the recipient's) or "client" (the asker's)."""

    def __init__(self, scope):
        super().__init__(f"Too many links asked for by this {scope}.")
        self.scope = scope


@dataclass(frozen=True)
class Client:
    """Who asks, as keyed hashes: the raw session key and IP address are not stored."""

    session: str = ""
    ip: str = ""

    @classmethod
    def of(cls, request):
        session_key = request.session.session_key or ""
        ip = client_ip(request) or ""
        return cls(session=_digest("session", session_key), ip=_digest("ip", ip))


def _digest(what, value):
    if not value:
        return ""
    return salted_hmac(f"jobwizard.finish_later.{what}", value, algorithm="sha256").hexdigest()[:32]


def _address_key(email):
    return _digest("address", email.strip().lower())


def _recent_requests(now):
    """Every link request recorded in the last ADDRESS_WINDOW (the longer window)."""
    since = now - max(ADDRESS_WINDOW, CLIENT_WINDOW)
    effects = Job.objects.of_kind(EMAIL, Email.FINISH_LATER).filter(updated_at__gte=since)
    for payload in effects.values_list("payload", flat=True):
        for request in (payload or {}).get("requests", []):
            at = datetime.fromisoformat(request["at"])
            if at >= since:
                yield {**request, "at": at}


def check_limits(email, client, now=None):
    """Raise TooManyLinks when one more link to `email`, asked for by `client`, is too many."""
    now = now or timezone.now()
    address = _address_key(email)
    to_address = by_session = by_ip = 0
    for request in _recent_requests(now):
        if request.get("to") == address and request["at"] >= now - ADDRESS_WINDOW:
            to_address += 1
        if request["at"] >= now - CLIENT_WINDOW:
            by_session += bool(client.session) and request.get("session") == client.session
            by_ip += bool(client.ip) and request.get("ip") == client.ip
    if to_address >= settings.FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY:
        raise TooManyLinks("address")
    if max(by_session, by_ip) >= settings.FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR:
        raise TooManyLinks("client")


def _record(effect, email, client, now):
    """Keep this request in the effect's payload (the last ADDRESS_WINDOW's only)."""
    since = now - max(ADDRESS_WINDOW, CLIENT_WINDOW)
    kept = [
        request
        for request in (effect.payload or {}).get("requests", [])
        if datetime.fromisoformat(request["at"]) >= since
    ]
    entry = {"at": now.isoformat(), "to": _address_key(email), **vars(client)}
    effect.payload = {**(effect.payload or {}), "requests": [*kept, entry]}
    effect.save(update_fields=["payload", "updated_at"])


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
        now = timezone.now()
        client = client or Client()
        check_limits(contact_email, client, now)
        posting.contact_email = contact_email
        if not posting.finish_later_nonce:
            posting.finish_later_nonce = secrets.token_urlsafe(16)
        posting.save(update_fields=["contact_email", "finish_later_nonce", "updated_at"])
        effect = send_again(posting, Email.FINISH_LATER)
        _record(effect, contact_email, client, now)
        return effect


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
