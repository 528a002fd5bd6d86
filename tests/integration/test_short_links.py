"""Emailed links are short (the id in 22 characters, a signature cut to 128 bits) and still
django.core.signing signatures; links emailed in the first, longer format keep working."""

import time
from unittest import mock

import pytest
from django.core import signing
from django.test import Client, override_settings

from tests.factories import posting_at
from wizard.models import Status
from wizard.postings import links

pytestmark = pytest.mark.django_db

OLD_KEY = "the-key-before-the-rotation-0123456789-abcdefghijklmnopqrstuvwxyz"
NEW_KEY = "the-key-after-the-rotation-0123456789-abcdefghijklmnopqrstuvwxyzAB"


def first_format_manage_token(posting):
    return signing.Signer(salt=links.MANAGE_SALT).sign(f"{posting.pk}:{posting.manage_nonce}")


def first_format_finish_later_token(posting):
    return signing.TimestampSigner(salt=links.FINISH_LATER_SALT).sign(
        f"{posting.pk}:{posting.finish_later_nonce}"
    )


@pytest.fixture
def paid():
    return posting_at(Status.IN_REVIEW, contact_email="hiring@acme.example")


@pytest.fixture
def draft():
    return posting_at("logo_ready", finish_later_nonce="n" * 22)


def test_manage_links_are_short(paid, settings):
    settings.SITE_URL = "https://jobs.example.com"
    url = links.manage_url(paid)
    assert len(url) <= 105, url  # was 140 with this host
    assert len(links.make_manage_token(paid)) <= len(first_format_manage_token(paid)) - 35
    assert str(paid.pk) not in url


def test_finish_later_links_are_short(draft):
    assert len(links.make_finish_later_token(draft)) <= 75
    assert links.read_finish_later_token(links.make_finish_later_token(draft)) == (
        draft.pk,
        draft.finish_later_nonce,
    )


def test_both_formats_of_a_manage_link_are_read(paid):
    expected = (paid.pk, paid.manage_nonce)
    assert links.read_manage_token(links.make_manage_token(paid)) == expected
    assert links.read_manage_token(first_format_manage_token(paid)) == expected
    for token in (links.make_manage_token(paid), first_format_manage_token(paid)):
        assert Client().get(f"/post/manage/{token}/").status_code == 302


def test_both_formats_of_a_finish_later_link_are_read(draft):
    expected = (draft.pk, draft.finish_later_nonce)
    assert links.read_finish_later_token(first_format_finish_later_token(draft)) == expected
    for token in (links.make_finish_later_token(draft), first_format_finish_later_token(draft)):
        assert Client().get(f"/post/finish-later/{token}/").status_code == 200


def test_a_compact_finish_later_link_expires(draft, settings):
    token = links.make_finish_later_token(draft)
    later = time.time() + settings.FINISH_LATER_LINK_MAX_AGE_DAYS * 24 * 3600 + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        with pytest.raises(links.LinkExpired):
            links.read_finish_later_token(token)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[:5] + ("x" if token[5] != "x" else "y") + token[6:],
        lambda token: token.rsplit(":", 1)[0],
        lambda token: token + "A",
    ],
)
def test_a_tampered_compact_link_is_refused(paid, mangle):
    with pytest.raises(links.LinkInvalid):
        links.read_manage_token(mangle(links.make_manage_token(paid)))


def test_a_compact_link_signed_under_another_salt_is_refused(paid, draft):
    """A finish-later token is not a manage token, even for the same posting's nonce."""
    draft.manage_nonce = draft.finish_later_nonce
    with pytest.raises(links.LinkInvalid):
        links.read_manage_token(links.make_finish_later_token(draft))


@pytest.mark.parametrize("make", [links.make_manage_token, first_format_manage_token])
def test_both_formats_survive_a_key_rotation_with_the_old_key_as_fallback(paid, make):
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        token = make(paid)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert links.read_manage_token(token) == (paid.pk, paid.manage_nonce)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(links.LinkInvalid):
            links.read_manage_token(token)
