"""Signed links that bring an employer back to a posting, as they appear in emails.

- "Finish later": single use, signs `"<posting id>:<finish_later_nonce>"` with a
  timestamp; opening it replaces the nonce (wizard.flow.finish_later).
- "Manage your posting": lasting, sent in every email after payment; signs
  `"<posting id>:<manage_nonce>"` with no timestamp. Replacing the nonce
  (wizard.flow.edits.send_new_manage_link) revokes every link sent before. A
  posting made before manage nonces existed has none: its links sign the id
  alone and work until the first replacement.
"""

import secrets
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


class LinkReplaced(LinkError):
    """A manage link the employer has since replaced with a new one."""

    reason = "replaced"
    status = 410


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def finish_later_max_age():
    return timedelta(days=settings.FINISH_LATER_LINK_MAX_AGE_DAYS)


def _finish_later_signer():
    return signing.TimestampSigner(salt=FINISH_LATER_SALT)


def make_finish_later_token(posting):
    if not posting.finish_later_nonce:
        raise ValueError("The posting has no finish-later nonce yet.")
    return _finish_later_signer().sign(f"{posting.pk}:{posting.finish_later_nonce}")


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


def _manage_signer():
    return signing.Signer(salt=MANAGE_SALT)


def make_manage_token(posting):
    value = f"{posting.pk}:{posting.manage_nonce}" if posting.manage_nonce else str(posting.pk)
    return _manage_signer().sign(value)


def manage_url(posting):
    return absolute(reverse("wizard:manage", args=[make_manage_token(posting)]))


def read_manage_token(token):
    """The (posting id, nonce) a manage link names; the nonce is "" for a link made before
    manage nonces existed. Raises LinkInvalid."""
    try:
        posting_id, _, nonce = _manage_signer().unsign(token).partition(":")
        return uuid.UUID(posting_id), nonce
    except (signing.BadSignature, ValueError):
        raise LinkInvalid() from None


def check_manage_nonce(posting, nonce):
    """Raise LinkReplaced unless the link was made with the posting's current nonce (a link
    without one only while the posting has none)."""
    if not secrets.compare_digest(posting.manage_nonce, nonce):
        raise LinkReplaced()


def public_url(posting):
    return absolute(reverse("wizard:job", args=[posting.slug])) if posting.slug else ""
