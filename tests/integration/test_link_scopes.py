"""Every signed link opens only what it was made for: a token of one kind (finish later,
manage, renew, receipt, sign-in) is refused by every other kind's reader, though several
sign the same values (the manage and renew links both sign the posting and its nonce)."""

import secrets
import uuid

import pytest

from wizard.employers import sign_in
from wizard.payments import receipt_links
from wizard.postings import links
from wizard.postings.links import LinkError
from wizard.postings.models import JobPosting

pytestmark = pytest.mark.django_db


def _accepts(read, token):
    try:
        read(token)
    except (LinkError, sign_in.SignInFailed):
        return False
    return True


def test_each_token_is_read_by_its_own_kind_only():
    posting = JobPosting(
        id=uuid.uuid4(),
        manage_nonce=secrets.token_urlsafe(16),
        finish_later_nonce=secrets.token_urlsafe(16),
    )
    tokens = {
        "finish later": links.make_finish_later_token(posting),
        "manage": links.make_manage_token(posting),
        "renew": links.make_renew_token(posting),
        "receipt": receipt_links.make_token(7),
        "sign-in": sign_in.link_token_of(sign_in.create("boss@example.com")),
    }
    readers = {
        "finish later": links.read_finish_later_token,
        "manage": links.read_manage_token,
        "renew": links.read_renew_token,
        "receipt": receipt_links.read_token,
        "sign-in": sign_in.check_link,
    }
    accepted = {
        (made, read_as)
        for made, token in tokens.items()
        for read_as, read in readers.items()
        if _accepts(read, token)
    }
    assert accepted == {(kind, kind) for kind in tokens}
