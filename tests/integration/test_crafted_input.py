"""Crafted input is answered 4xx, never 500 (issue 17, item 4): NUL in a cookie or a header,
a form in another encoding than UTF-8, and admin bulk actions on ids that are not ids.

The NUL cases matter on PostgreSQL (it refuses NUL in text: a DataError); CI runs this
file there too. They are checked on every database: the answer must not depend on it."""

from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.exceptions import BadRequest
from django.test import Client

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
NUL_SESSION_KEY = "abcdefgh\x00ijklmnopqrstuvwxyz012345"


def browser(**defaults):
    return Client(raise_request_exception=False, **defaults)


# --- NUL in a cookie: as if the cookie were absent ------------------------------------


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "other"])
def test_a_cookie_with_a_nul_is_treated_as_absent(cookie):
    """The test client quotes the value (`"abcdefgh\\000…"`); Django's parser unquotes it
    into a real NUL, as it would from any browser or script that sends it so."""
    visitor = browser()
    visitor.cookies[cookie] = NUL_SESSION_KEY
    assert visitor.get("/post/").status_code == 200
    response = visitor.post("/post/")  # makes a draft: reads and writes the session
    assert response.status_code == 302
    draft = JobPosting.objects.get()
    # The draft belongs to a fresh session: the broken cookie was not used.
    assert response.cookies["sessionid"].value != NUL_SESSION_KEY
    assert visitor.get(step_url("logo", draft)).status_code == 200


def test_a_raw_nul_in_the_cookie_header_is_treated_as_absent():
    visitor = browser(HTTP_COOKIE=f"sessionid={NUL_SESSION_KEY}; theme=dark")
    assert visitor.post("/post/").status_code == 302
    assert visitor.post(LOGIN, {"username": "x", "password": "y"}).status_code in (200, 403)


def test_a_nul_cookie_does_not_cost_the_owner_of_a_draft_their_session(client):
    """Only the cookie with the NUL is dropped: the session cookie next to it still works."""
    draft = posting_at("logo_ready")
    own(client, draft)
    client.cookies["tracking"] = "x\x00y"
    client.raise_request_exception = False
    response = client.post(step_url("details", draft), VALID_DETAILS)
    assert response.status_code == 302
    assert JobPosting.objects.get(pk=draft.pk).title == VALID_DETAILS["title"]


# --- NUL in a header: 400 ----------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["HTTP_USER_AGENT", "HTTP_REFERER", "HTTP_X_FORWARDED_FOR", "HTTP_HX_CURRENT_URL"],
)
def test_a_header_with_a_nul_is_a_bad_request(header):
    visitor = browser(**{header: "Mozilla\x00/5.0"})
    assert visitor.get("/").status_code == 400
    assert visitor.post("/post/").status_code == 400
    assert not JobPosting.objects.exists()


def test_a_failed_login_with_a_nul_user_agent_is_a_bad_request_not_a_stored_attempt():
    """django-axes stores the User-Agent of every failed login: PostgreSQL refused it."""
    User.objects.create_superuser("boss", "boss@example.com", "right")
    visitor = browser(HTTP_USER_AGENT="curl\x00")
    response = visitor.post(LOGIN, {"username": "boss", "password": "wrong"})
    assert response.status_code == 400


def test_a_content_type_with_a_nul_is_a_bad_request():
    response = browser().generic(
        "POST", "/post/", b"a=b", content_type="application/x-www-form-urlencoded\x00"
    )
    assert response.status_code == 400


# --- A form not in UTF-8: the 400 page ----------------------------------------------------


@pytest.mark.parametrize(
    "charset", ["utf-16", "UTF-16LE", "latin-1", "cp1252", "utf8", "no-such-charset"]
)
@pytest.mark.parametrize("form", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_form_in_another_encoding_is_the_400_page(settings, charset, form):
    settings.DEBUG = False  # the production error pages
    visitor = Client(raise_request_exception=False, enforce_csrf_checks=True)
    content_type = f"{form}; charset={charset}"
    if form == "multipart/form-data":
        content_type += "; boundary=BoUnDaRy"
    body = "title=Caf\xe9".encode("utf-16" if "16" in charset else "latin-1")
    response = visitor.generic("POST", "/post/", body, content_type=content_type)
    assert response.status_code == 400
    assert b"could not read what your browser sent" in response.content
    assert b"site-header" in response.content  # the site's own page
    assert not JobPosting.objects.exists()


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8"])
def test_a_form_that_names_utf8_is_read(client, charset):
    draft = posting_at("logo_ready")
    own(client, draft)
    body = "&".join(f"{key}={value}" for key, value in VALID_DETAILS.items())
    response = client.generic(
        "POST",
        step_url("details", draft),
        body.replace(" ", "+").encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 302
    assert JobPosting.objects.get(pk=draft.pk).title == VALID_DETAILS["title"]


def test_the_400_page_reads_nothing_from_the_request(settings):
    """Django's own 400 view runs the CSRF check, which reads the body that failed again."""
    settings.DEBUG = False
    visitor = Client(raise_request_exception=False, enforce_csrf_checks=True)
    with mock.patch("wizard.flow.views.render", side_effect=BadRequest("unreadable")):
        response = visitor.get("/post/")
    assert response.status_code == 400
    assert b"could not read what your browser sent" in response.content


# --- The admin's bulk actions ignore ids that are not ids --------------------------------

NOT_IDS = ["not-a-uuid", "1\x00", "", "12345678-1234-1234-1234-1234567890ab\x00", "-1.5"]


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_every_bulk_action_ignores_ids_that_are_not_ids(admin_client, model):
    admin_client.raise_request_exception = False
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    page = admin_client.get(url)
    offered = list(admin.site._registry[model].get_actions(page.wsgi_request))
    # delete_selected last: it asks for a confirmation of what it found.
    offered.sort(key=lambda name: name == "delete_selected")
    for action in offered[:1] or ["delete_selected"]:
        response = admin_client.post(
            url, {"action": action, "index": "0", ACTION_CHECKBOX_NAME: NOT_IDS}, follow=True
        )
        assert response.status_code == 200, (action, response.status_code)
        if offered:  # none left: Django says nothing was selected, and does nothing
            assert b"Items must be selected" in response.content, action


def test_a_bulk_action_keeps_the_real_ids_among_the_others(admin_client):
    posting = posting_at(Status.IN_REVIEW)
    response = admin_client.post(
        "/admin/wizard/jobposting/",
        {
            "action": "approve_selected",
            "index": "0",
            ACTION_CHECKBOX_NAME: ["not-a-uuid", str(posting.pk), "x\x00"],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert b"Approved 1 posting" in response.content
    assert JobPosting.objects.get(pk=posting.pk).status == Status.PUBLISHED
