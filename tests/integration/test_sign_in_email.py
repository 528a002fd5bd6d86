"""The sign-in email is a job of the one runner, of no posting: retried like any email
(with the same code), failed for good where retrying cannot help, and shown to staff in
the admin and the dashboard without a posting to name."""

import pytest
from django.core import mail
from django.test import Client, override_settings

from tests.mailers import ScriptedESP
from tests.sign_in import ask_code, enter_code, last_sign_in_email
from wizard.effects.sign_in_email import KIND
from wizard.jobs.models import Job, StaffNotice

pytestmark = pytest.mark.django_db

TEST_ESP = {"default": {"BACKEND": "tests.mailers.ScriptedESP"}}


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    ScriptedESP.script = []
    yield
    ScriptedESP.script = []


@override_settings(MAILERS=TEST_ESP)
def test_a_failing_esp_is_retried_and_the_code_sent_still_works(client, run_tasks):
    ScriptedESP.script = [500, 500]
    ask_code(client, "boss@example.com")
    emailed = last_sign_in_email(run_tasks)
    job = Job.objects.get(kind=KIND)
    assert (job.state, job.attempts, job.target) == ("sent", 3, "boss@example.com")
    assert len(mail.outbox) == 1
    assert enter_code(client, emailed.code).status_code == 302


@override_settings(MAILERS=TEST_ESP)
def test_a_refused_address_fails_for_good_and_staff_see_it(client, run_tasks, admin_client):
    ScriptedESP.script = [422]
    ask_code(client, "bounce@example.com")
    run_tasks()
    job = Job.objects.get(kind=KIND)
    assert (job.state, job.posting_id, job.employer_id) == ("failed", None, None)
    notice = StaffNotice.objects.get(subject=f"Sign-in email failed: {job.name}")
    assert notice.posting is None and "Email: sign-in code failed for good" in notice.body
    assert admin_client.get("/admin/wizard/job/").status_code == 200
    changed = admin_client.get(f"/admin/wizard/job/{job.pk}/change/")
    assert changed.status_code == 200
    assert b"bounce@example.com" in changed.content
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get("/admin/dashboard/").status_code == 200
    # The asker's page said nothing of it: the same page as for any address.
    assert b"Check your email" in client.get("/account/sign-in/code/").content


def test_staff_can_run_a_sign_in_email_again(client, run_tasks, admin_client):
    ask_code(client, "boss@example.com")
    ask_code(Client(), "other@example.com")
    run_tasks()
    mail.outbox.clear()
    job = Job.objects.filter(kind=KIND).order_by("pk").last()
    response = admin_client.post(
        "/admin/wizard/job/", {"action": "retry", "_selected_action": [job.pk]}
    )
    assert response.status_code == 302
    run_tasks()
    assert [m.to for m in mail.outbox] == [["other@example.com"]]
