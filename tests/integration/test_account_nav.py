"""The header's account links: private pages say whether this browser is signed in; the
board's shared, cached pages say the same to everyone (no name, no session read, no
cookie), so a page cached for one visitor is right for the next."""

import pytest
from django.test import Client

from tests.accounts import employer, sign_in_as
from tests.integration.test_board import job_url, publish

pytestmark = pytest.mark.django_db

SIGNED_IN = b"Your postings"
SIGN_OUT = b">Sign out</button>"


def test_a_private_page_offers_sign_in_to_a_visitor(client):
    page = client.get("/post/")
    assert b'href="/account/sign-in/">Sign in</a>' in page.content
    assert SIGNED_IN not in page.content


def test_a_private_page_offers_the_account_and_sign_out_when_signed_in(client):
    sign_in_as(client, employer())
    page = client.get("/post/")
    assert b'href="/account/postings/">Your postings</a>' in page.content
    assert SIGN_OUT in page.content
    assert b'action="/account/sign-out/"' in page.content


@pytest.mark.parametrize("url", ["/", "job"])
def test_a_board_page_is_the_same_for_a_signed_in_employer_and_a_visitor(url):
    posting = publish("Public job")
    url = job_url(posting) if url == "job" else url
    signed_in = sign_in_as(Client(), employer())

    first = signed_in.get(url)  # rendered for the signed-in employer, and cached
    assert first["X-Board-Cache"] == "miss"
    assert SIGNED_IN not in first.content and SIGN_OUT not in first.content
    assert b">Your account</a>" in first.content
    assert "Cookie" not in first.get("Vary", "")
    assert not first.cookies

    second = Client().get(url)  # a visitor gets that page from the cache
    assert second["X-Board-Cache"] == "hit"
    assert second.content == first.content


def test_the_not_found_page_is_the_same_for_everyone(client):
    sign_in_as(client, employer())
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert b">Your account</a>" in page.content and SIGN_OUT not in page.content


def test_a_page_answered_before_the_session_is_read_offers_sign_in(client, settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = client.post("/post/", {"filler": "x" * 2048})
    assert response.status_code == 413
    assert b'href="/account/sign-in/">Sign in</a>' in response.content
