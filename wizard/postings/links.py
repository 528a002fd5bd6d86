"""Signed links that bring an employer back to a posting, as they appear in emails.

- "Finish later": single use, signs `"<posting id>:<resume_nonce>"` with a
  timestamp; opening it replaces the nonce (wizard.flow.finish_later).
- "Manage your posting": lasting, sent in every email after payment.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

FINISH_LATER_SALT = "jobwizard.resume"  # the historic salt: links already sent keep working
MANAGE_SALT = "jobwizard.manage"


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


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def finish_later_max_age():
    return timedelta(days=settings.RESUME_LINK_MAX_AGE_DAYS)


def _finish_later_signer():
    return signing.TimestampSigner(salt=FINISH_LATER_SALT)


def make_finish_later_token(posting):
    if not posting.resume_nonce:
        raise ValueError("The posting has no resume nonce yet.")
    return _finish_later_signer().sign(f"{posting.pk}:{posting.resume_nonce}")


def finish_later_url(posting):
    return absolute(reverse("wizard:finish_later", args=[make_finish_later_token(posting)]))


def read_finish_later_token(token):
    """The (posting id, nonce) a token was made for, or LinkInvalid / LinkExpired."""
    try:
        value = _finish_later_signer().unsign(token, max_age=finish_later_max_age())
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


def manage_url(posting):
    token = signing.Signer(salt=MANAGE_SALT).sign(str(posting.pk))
    return absolute(reverse("wizard:manage", args=[token]))


def read_manage_token(token):
    """The posting id a manage link names; raises LinkInvalid."""
    try:
        return uuid.UUID(signing.Signer(salt=MANAGE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise LinkInvalid() from None


def public_url(posting):
    return absolute(reverse("wizard:job", args=[posting.slug])) if posting.slug else ""
