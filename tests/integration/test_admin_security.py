"""The admin under attack: login throttling, actions that need permissions, NUL in URLs."""

from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.events import stored_event
from tests.factories import posting_at
from wizard.models import Status

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff():
    return User.objects.create_superuser("boss", "boss@example.com", PASSWORD)


def log_in(client, password, address="127.0.0.1"):
    return client.post(LOGIN, {"username": "boss", "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return client.get("/admin/").status_code == 200


def lock_out(client):
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200  # the form again, with an error
    assert log_in(client, "wrong").status_code == 429  # the 5th: AXES_FAILURE_LIMIT's default
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_failures_under_the_limit_do_not_lock_and_success_resets_them(client, staff):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)
    assert not AccessAttempt.objects.filter(failures_since_start__gt=0).exists()


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, staff):
    lock_out(client)
    # Still locked on a later try, and another address is not (a stranger cannot lock
    # staff out from everywhere).
    assert log_in(client, PASSWORD).status_code == 429
    assert log_in(client, PASSWORD, address="10.9.8.7").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, staff):
    lock_out(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1, minutes=1))
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_staff_clear_a_lockout_with_the_management_command(client, staff):
    lock_out(client)
    call_command("axes_reset", verbosity=0)
    assert log_in(client, PASSWORD).status_code == 302


def test_staff_clear_a_lockout_in_the_admin(client, admin_client, staff):
    lock_out(client)
    attempt = AccessAttempt.objects.get(username="boss")
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and b"boss" in listing.content
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert log_in(client, PASSWORD).status_code == 302


# --- Every action declares its permissions -------------------------------------------


def test_every_admin_action_declares_its_permissions():
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or []:
            func = getattr(model_admin, action) if isinstance(action, str) else action
            assert getattr(func, "allowed_permissions", ()), f"{model.__name__}: {action}"


@pytest.fixture
def viewer(client):
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return user


def test_view_only_staff_are_offered_no_action_anywhere(client, viewer):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = viewer
    for model, model_admin in admin.site._registry.items():
        assert model_admin.has_view_permission(request), model
        assert model_admin.get_actions(request) == {}, model


def test_view_only_staff_cannot_reprocess_a_stripe_event(client, viewer):
    event = stored_event("evt_admin_1", "checkout.session.completed", state="failed", error="boom")
    listing = client.get("/admin/wizard/stripeevent/")
    assert listing.status_code == 200
    assert b"reprocess" not in listing.content
    with mock.patch("wizard.admin.payments.runner.retry") as retry:
        client.post(
            "/admin/wizard/stripeevent/",
            {"action": "reprocess", "_selected_action": [str(event.pk)]},
        )
    retry.assert_not_called()
    event.job.refresh_from_db()
    assert (event.job.state, event.job.last_error) == ("failed", "boom")
    assert not DBTaskResult.objects.exists()


def test_view_only_staff_cannot_clean_up_login_attempts(client, viewer):
    attempt = AccessAttempt.objects.create(
        username="x", ip_address="127.0.0.1", failures_since_start=1, attempt_time=timezone.now()
    )
    assert b"cleanup_expired_attempts" not in client.get("/admin/axes/accessattempt/").content
    client.post(
        "/admin/axes/accessattempt/",
        {"action": "cleanup_expired_attempts", "_selected_action": [str(attempt.pk)]},
    )
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


# --- NUL ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/wizard/jobposting/?employment_type__exact=%00",
        "/admin/wizard/jobposting/?q=%00",
        "/admin/wizard/jobposting/?q=acme%00",
        "/admin/wizard/stripeevent/?type__exact=%00",
        "/admin/wizard/job/?q=%00",
        "/admin/wizard/jobposting/%00/change/",
        "/?q=%00",
    ],
)
def test_a_nul_in_the_url_is_a_bad_request_not_a_server_error(admin_client, url):
    posting_at(Status.PUBLISHED)
    admin_client.raise_request_exception = False
    assert admin_client.get(url).status_code == 400


def test_the_admin_still_filters_without_nul(admin_client):
    posting_at(Status.PUBLISHED)
    response = admin_client.get("/admin/wizard/jobposting/", {"employment_type__exact": "x"})
    assert response.status_code == 200
