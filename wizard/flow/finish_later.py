"""The "finish later" link: an emailed, signed, single-use link that reopens a draft.

The token signs `"<posting id>:<resume_nonce>"` with a timestamp. Opening a link
attaches the draft to the browser's session and replaces the nonce, so a link
works once, and only within RESUME_LINK_MAX_AGE_DAYS of being made.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wizard.effects.models import EmailRecord
from wizard.effects.runner import resend
from wizard.flow.edits import PostingLocked
from wizard.flow.ownership import claim
from wizard.postings.models import JobPosting, Status
from wizard.postings.transitions import locked_posting

SALT = "jobwizard.resume"


class DraftClosed(Exception):
    """The draft was abandoned: no link can reopen it."""


class LinkError(Exception):
    """A link that cannot be used; `reason` picks the explanation and `status` the HTTP code."""

    reason = ""
    status = 400


class LinkInvalid(LinkError):
    reason = "invalid"
    status = 400


class LinkExpired(LinkError):
    reason = "expired"
    status = 410


class LinkUsed(LinkError):
    reason = "used"
    status = 410


def _signer():
    return signing.TimestampSigner(salt=SALT)


def max_age():
    return timedelta(days=settings.RESUME_LINK_MAX_AGE_DAYS)


def make_token(posting):
    if not posting.resume_nonce:
        raise ValueError("The posting has no resume nonce yet.")
    return _signer().sign(f"{posting.pk}:{posting.resume_nonce}")


def resume_url(posting):
    path = reverse("wizard:resume", args=[make_token(posting)])
    return settings.SITE_URL.rstrip("/") + path


def read_token(token):
    """The (posting id, nonce) a token was made for, or LinkInvalid / LinkExpired."""
    try:
        value = _signer().unsign(token, max_age=max_age())
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    posting_id, _, nonce = value.partition(":")
    try:
        posting_id = uuid.UUID(posting_id)
    except ValueError:
        raise LinkInvalid() from None
    if not nonce:
        raise LinkInvalid()
    return posting_id, nonce


def request_link(posting_id, contact_email):
    """Save the contact email (and nothing else) and queue the link email.

    One transaction: when the email is refused (ResendTooSoon from the cooldown),
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
        return resend(posting, EmailRecord.Kind.RESUME_LINK)


def _use_link(posting_id, nonce):
    """Check the link against the locked row and spend it: the nonce is replaced."""
    with locked_posting(posting_id) as posting:
        if not secrets.compare_digest(posting.resume_nonce, nonce):
            raise LinkUsed()
        if posting.status == Status.ABANDONED:
            raise DraftClosed()
        posting.resume_nonce = secrets.token_urlsafe(16)
        posting.save(update_fields=["resume_nonce", "updated_at"])
        return posting


@never_cache
@require_GET
def resume(request, token):
    from wizard.flow.order import FLOW

    try:
        posting_id, nonce = read_token(token)
        posting = _use_link(posting_id, nonce)
    except JobPosting.DoesNotExist:
        return _refuse(request, LinkInvalid())
    except LinkError as error:
        return _refuse(request, error)
    except DraftClosed:
        posting = JobPosting.objects.get(pk=posting_id)
        return render(request, "wizard/abandoned.html", {"posting": posting}, status=410)
    claim(request, posting)
    if posting.is_paid:
        return redirect(FLOW.after_payment().url(posting))
    messages.success(request, "Welcome back. Your draft is ready to finish.")
    return redirect(FLOW.first_incomplete(posting).url(posting))


def _refuse(request, error):
    return render(
        request,
        "wizard/resume_invalid.html",
        {"reason": error.reason, "max_age_days": settings.RESUME_LINK_MAX_AGE_DAYS},
        status=error.status,
    )
