"""Rotating SECRET_KEY: with the former key in SECRET_KEY_FALLBACKS (read from the
environment, as a deployment sets it), everything signed with it keeps working: a staff
session, a draft owner's session, finish-later and manage links, and login lockouts. Without
the fallback none of the signed ones survives (so these tests can fail)."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings

from tests.conftest import step_url
from tests.factories import own, posting_at
from tests.unit.test_settings_env import fresh_settings
from wizard.models import JobPosting, Status
from wizard.postings import links

pytestmark = pytest.mark.django_db

NEW_KEY = "rotated-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def rotate(monkeypatch):
    """Deploy a new SECRET_KEY, with SECRET_KEY_FALLBACKS as given, through the settings'
    own reading of the environment."""
    old_key = settings.SECRET_KEY

    def rotate(keep_old_key=True):
        monkeypatch.setenv("SECRET_KEY", NEW_KEY)
        monkeypatch.setenv("SECRET_KEY_FALLBACKS", f" {old_key} ," if keep_old_key else "")
        deployed = fresh_settings()
        assert deployed.SECRET_KEY == NEW_KEY
        return override_settings(
            SECRET_KEY=deployed.SECRET_KEY, SECRET_KEY_FALLBACKS=deployed.SECRET_KEY_FALLBACKS
        )

    return rotate


def path(url):
    return urlsplit(url).path


@pytest.fixture
def staff_browser():
    User.objects.create_superuser("boss", "boss@example.com", PASSWORD)
    browser = Client()
    browser.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert browser.get("/admin/").status_code == 200
    return browser


@pytest.fixture
def owner():
    """A browser that started a draft and paid for another posting."""
    browser = Client()
    draft = posting_at("logo_ready", contact_email="hiring@acme.example")
    paid = posting_at(Status.IN_REVIEW, contact_email="hiring@acme.example")
    own(browser, draft, paid)
    return browser, draft, paid


def finish_later_path(draft):
    draft.finish_later_nonce = "n" * 32
    draft.save(update_fields=["finish_later_nonce"])
    return path(links.finish_later_url(draft))


def test_the_fallbacks_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "first-old-key, second-old-key")
    assert fresh_settings().SECRET_KEY_FALLBACKS == ["first-old-key", "second-old-key"]
    monkeypatch.delenv("SECRET_KEY_FALLBACKS")
    assert fresh_settings().SECRET_KEY_FALLBACKS == []


def test_staff_stay_signed_in(rotate, staff_browser):
    with rotate():
        assert staff_browser.get("/admin/").status_code == 200
    # That first request signed the session again with the new key: it outlives the old one.
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert staff_browser.get("/admin/").status_code == 200


def test_the_owner_still_reaches_the_draft_and_the_paid_posting(rotate, owner):
    browser, draft, paid = owner
    with rotate():
        assert browser.get(step_url("details", draft)).status_code == 200
        page = browser.get(step_url("confirmation", paid))
        assert page.status_code == 200
        assert str(paid.pk).encode() in page.content


def test_a_finish_later_link_still_opens_the_draft(rotate, owner):
    _, draft, _ = owner
    link = finish_later_path(draft)
    with rotate():
        stranger = Client()
        page = stranger.get(link)
        assert page.status_code == 200
        assert b"Continue your draft" in page.content
        assert stranger.post(link).status_code == 302
        assert stranger.get(step_url("details", draft)).status_code == 200


def test_a_manage_link_still_opens_the_posting(rotate, owner):
    _, _, paid = owner
    link = path(links.manage_url(paid))
    with rotate():
        stranger = Client()
        assert stranger.get(link).status_code == 302
        assert stranger.get(step_url("confirmation", paid)).status_code == 200
        # A link made now is signed with the new key, and works the same.
        assert Client().get(path(links.manage_url(paid))).status_code == 302


def test_a_lockout_holds_and_signing_in_works_across_the_rotation(rotate, staff_browser):
    staff_browser.get("/admin/logout/")
    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked.post("/admin/login/", {"username": "boss", "password": "wrong"})
    with rotate():
        refused = locked.post("/admin/login/", {"username": "boss", "password": PASSWORD})
        assert refused.status_code == 429
        elsewhere = Client(REMOTE_ADDR="10.9.8.7")
        signed_in = elsewhere.post("/admin/login/", {"username": "boss", "password": PASSWORD})
        assert signed_in.status_code == 302
        assert elsewhere.get("/admin/").status_code == 200


def test_without_the_fallback_nothing_signed_with_the_old_key_survives(
    rotate, staff_browser, owner
):
    browser, draft, paid = owner
    finish_later = finish_later_path(draft)
    manage = path(links.manage_url(paid))
    with rotate(keep_old_key=False):
        assert staff_browser.get("/admin/").status_code == 302  # to the login page
        assert browser.get(step_url("details", draft)).status_code == 404
        assert browser.get(step_url("confirmation", paid)).status_code == 404
        for link in (finish_later, manage):
            page = Client().get(link)
            assert page.status_code == 400
            assert b"This link is not valid" in page.content
    assert JobPosting.objects.get(pk=draft.pk).finish_later_nonce == "n" * 32
