"""Signed links that bring an employer back to a posting, as they appear in emails.

- "Finish later": single use, signs `"<posting id>:<finish_later_nonce>"` with a
  timestamp; opening it replaces the nonce (wizard.flow.finish_later).
- "Renew your posting": in the expiry warning; signs the same value as the manage link
  under a salt of its own, so it renews that posting and opens nothing else, and
  replacing the manage link revokes it too.
- "Manage your posting": lasting, sent in every email after payment; signs
  `"<posting id>:<manage_nonce>"` with no timestamp. Replacing the nonce
  (wizard.flow.edits.send_new_manage_link) revokes every link sent before. A
  posting made before manage nonces existed has none: its links sign the id
  alone and work until the first replacement.

Links are made short ("compact" tokens, about 70 characters where the first format took
110): the id as 22 base64url characters followed by the nonce, and an HMAC-SHA256
signature cut to 128 bits, under a salt of their own. They are still django.core.signing
signatures, so SECRET_KEY_FALLBACKS keep covering them when the key is rotated. Links
emailed in the first format (the id's 36 characters and a full signature) keep working:
reading tries the compact format, then the first.
"""

import base64
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

FINISH_LATER_SALT = "jobwizard.resume"  # the historic salt: links already sent keep working
MANAGE_SALT = "jobwizard.manage"
COMPACT_FINISH_LATER_SALT = "jobwizard.finish-later.compact"
COMPACT_MANAGE_SALT = "jobwizard.manage.compact"
COMPACT_RENEW_SALT = "jobwizard.renew.compact"
SIGNATURE_CHARS = 22  # 128 bits of the HMAC in base64url: beyond guessing
ID_CHARS = 22  # a UUID's 16 bytes in base64url, unpadded


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


class _CompactSigning:
    """A signer whose signature is the HMAC cut to SIGNATURE_CHARS: unsign compares it
    under the key and each fallback key, as Django's own does."""

    def signature(self, value, key=None):
        return super().signature(value, key)[:SIGNATURE_CHARS]


class _CompactSigner(_CompactSigning, signing.Signer):
    pass


class _CompactTimestampSigner(_CompactSigning, signing.TimestampSigner):
    pass


def _compact(posting_id, nonce):
    """The id in 22 characters, then the nonce (base64url: no separator is needed)."""
    encoded = base64.urlsafe_b64encode(uuid.UUID(str(posting_id)).bytes).decode()
    return encoded.rstrip("=") + nonce


def _read_compact(value):
    """(posting id, nonce) from a compact value; ValueError if it is not one."""
    encoded, nonce = value[:ID_CHARS], value[ID_CHARS:]
    if len(encoded) != ID_CHARS:
        raise ValueError(value)
    try:
        raw = base64.urlsafe_b64decode(encoded + "==")
    except (ValueError, TypeError):
        raise ValueError(value) from None
    return uuid.UUID(bytes=raw), nonce


def _read_first_format(value):
    """(posting id, nonce) from "<uuid>:<nonce>" or "<uuid>"; ValueError if neither."""
    posting_id, _, nonce = value.partition(":")
    return uuid.UUID(posting_id), nonce


def _unsign(token, readers, **kwargs):
    """The (posting id, nonce) of the first (signer, read) pair that accepts the token;
    the last signer's error otherwise (SignatureExpired outranks BadSignature)."""
    expired = None
    for signer, read in readers:
        try:
            return read(signer.unsign(token, **kwargs))
        except signing.SignatureExpired as error:
            expired = error
        except (signing.BadSignature, ValueError):
            continue
    if expired is not None:
        raise expired
    raise signing.BadSignature(token)


def _finish_later_readers():
    return [
        (_CompactTimestampSigner(salt=COMPACT_FINISH_LATER_SALT), _read_compact),
        (signing.TimestampSigner(salt=FINISH_LATER_SALT), _read_first_format),
    ]


def make_finish_later_token(posting):
    if not posting.finish_later_nonce:
        raise ValueError("The posting has no finish-later nonce yet.")
    signer = _CompactTimestampSigner(salt=COMPACT_FINISH_LATER_SALT)
    return signer.sign(_compact(posting.pk, posting.finish_later_nonce))


def finish_later_url(posting):
    return absolute(reverse("wizard:finish_later", args=[make_finish_later_token(posting)]))


def read_finish_later_token(token):
    """The (posting id, nonce) a token was made for, or LinkInvalid / LinkExpired."""
    try:
        posting_id, nonce = _unsign(token, _finish_later_readers(), max_age=finish_later_max_age())
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    if not nonce:
        raise LinkInvalid()
    return posting_id, nonce


def _manage_readers():
    return [
        (_CompactSigner(salt=COMPACT_MANAGE_SALT), _read_compact),
        (signing.Signer(salt=MANAGE_SALT), _read_first_format),
    ]


def make_manage_token(posting):
    return _CompactSigner(salt=COMPACT_MANAGE_SALT).sign(_compact(posting.pk, posting.manage_nonce))


def manage_url(posting):
    return absolute(reverse("wizard:manage", args=[make_manage_token(posting)]))


def read_manage_token(token):
    """The (posting id, nonce) a manage link names; the nonce is "" for a link made before
    manage nonces existed. Raises LinkInvalid."""
    try:
        return _unsign(token, _manage_readers())
    except signing.BadSignature:
        raise LinkInvalid() from None


def check_manage_nonce(posting, nonce):
    """Raise LinkReplaced unless the link was made with the posting's current nonce (a link
    without one only while the posting has none)."""
    if not secrets.compare_digest(posting.manage_nonce, nonce):
        raise LinkReplaced()


def make_renew_token(posting):
    return _CompactSigner(salt=COMPACT_RENEW_SALT).sign(_compact(posting.pk, posting.manage_nonce))


def renew_url(posting):
    return absolute(reverse("wizard:renew_link", args=[make_renew_token(posting)]))


def read_renew_token(token):
    """The (posting id, nonce) a renew link names (check the nonce with
    check_manage_nonce). Raises LinkInvalid."""
    try:
        return _unsign(token, [(_CompactSigner(salt=COMPACT_RENEW_SALT), _read_compact)])
    except signing.BadSignature:
        raise LinkInvalid() from None


def public_url(posting):
    return absolute(reverse("wizard:job", args=[posting.slug])) if posting.slug else ""
