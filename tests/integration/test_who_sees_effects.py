"""Who sees a job: each kind says whether the employer does (their emails, their refund)
or only staff (search-engine notices, staff notifications). The employer's ledger shows,
and its page polls for, only theirs; staff see every job in the admin."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import own, posting_at
from wizard.effects.email import Email
from wizard.jobs import runner
from wizard.jobs.kinds import JobKind, kind_named, register
from wizard.jobs.models import Job
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


class ChatDown(Exception):
    pass


class StaffChatKind(JobKind):
    """Tells staff on a chat service that a posting was published: theirs alone, as a kind
    is unless it says the employer sees it."""

    name = "test_staff_chat"
    label = "Staff told on chat"
    permanent = False

    def perform(self, effect):
        raise ChatDown("the chat service is not answering")

    def is_permanent(self, exc):
        return self.permanent


STAFF_CHAT = register(StaffChatKind())


@pytest.fixture
def live(client):
    """A published posting the test client's browser owns."""
    now = timezone.now()
    posting = posting_at(
        Status.PUBLISHED,
        slug="senior-django-engineer-acme",
        paid_at=now - timedelta(days=1),
        published_at=now - timedelta(hours=5),
        expires_at=now + timedelta(days=25),
    )
    own(client, posting)
    return posting


def queue(posting, kind, name):
    with transaction.atomic():
        return runner.queue(posting, kind, name)


def retried_for_hours(job, attempts=8):
    """The job has been failing for hours and waits for its next attempt."""
    for _ in range(attempts):
        Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
        runner.run_now(job.pk)
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(hours=5))
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.QUEUED, attempts)
    return job


def confirmation_page(client, posting):
    return client.get(f"/post/{posting.pk}/confirmation/").content.decode()


def poll(client, posting, phase):
    return client.get(f"/post/{posting.pk}/status/", {"phase": phase}, **HTMX)


def test_each_kind_says_who_sees_it():
    assert kind_named("email").employer_sees
    assert kind_named("refund").employer_sees
    assert not kind_named("indexing").employer_sees
    assert not STAFF_CHAT.employer_sees  # not declared: staff's alone


def test_a_staff_only_job_retrying_for_hours_neither_shows_nor_makes_the_page_poll(client, live):
    retried_for_hours(queue(live, STAFF_CHAT.name, "published"))

    page = confirmation_page(client, live)
    assert "Your job is live" in page
    assert "Staff told on chat" not in page
    assert "not answering" not in page
    assert "hx-trigger" not in page  # nothing the employer waits for

    response = poll(client, live, "busy")
    assert response.status_code == 286  # htmx: stop polling
    assert "Staff told on chat" not in response.content.decode()


def test_a_search_engine_notice_retrying_for_hours_is_staffs_alone(client, live, settings):
    settings.SEARCH_INDEXING_ENABLED = True
    with transaction.atomic():
        notice = runner.queue(
            live, "indexing", "URL_UPDATED", payload={"url": "http://testserver/jobs/x/"}
        )
    Job.objects.filter(pk=notice.pk).update(
        attempts=9, queued_at=timezone.now() - timedelta(hours=5), last_error="503"
    )

    page = confirmation_page(client, live)
    assert "Search engines" not in page and "not answering" not in page
    assert poll(client, live, "busy").status_code == 286


def test_the_employers_own_job_still_shows_live_and_polls(client, live):
    retried_for_hours(queue(live, STAFF_CHAT.name, "published"))
    receipt = queue(live, "email", Email.CONFIRMATION)  # resent, say
    Job.objects.filter(pk=receipt.pk).update(attempts=2)  # the ESP did not answer twice

    page = confirmation_page(client, live)
    assert "the email provider is not answering; we keep trying" in page
    assert 'hx-trigger="every 2s"' in page and "phase=busy" in page

    response = poll(client, live, "busy")
    assert response.status_code == 200
    assert "the email provider is not answering" in response.content.decode()

    runner.run_now(receipt.pk)  # it goes out: nothing the employer waits for is left
    response = poll(client, live, "busy")
    assert response.status_code == 286
    assert "Confirmation email sent" in response.content.decode()


def test_a_staff_only_failure_alerts_staff_and_says_nothing_to_the_employer(
    client, admin_client, live, monkeypatch
):
    monkeypatch.setattr(STAFF_CHAT, "permanent", True)
    job = queue(live, STAFF_CHAT.name, "published")
    assert runner.run_now(job.pk) == "failed"

    posting = JobPosting.objects.get(pk=live.pk)
    assert (posting.last_error_message, posting.last_error_detail) == ("", "")
    page = confirmation_page(client, live)
    assert "Staff told on chat" not in page and "did not go through" not in page

    flagged = admin_client.get("/admin/wizard/jobposting/", {"attention": "effect"})
    assert list(flagged.context["cl"].result_list) == [posting]
    failed = admin_client.get("/admin/wizard/job/", {"state": "failed"})
    assert list(failed.context["cl"].result_list) == [Job.objects.get(pk=job.pk)]


def test_staff_see_every_job_whoever_it_is_for(admin_client, live):
    staff_only = queue(live, STAFF_CHAT.name, "published")
    employers = queue(live, "email", Email.APPROVED)
    listed = admin_client.get("/admin/wizard/job/").context["cl"].result_list
    assert set(listed) == {staff_only, employers}
    page = admin_client.get(f"/admin/wizard/jobposting/{live.pk}/change/").content.decode()
    assert "test_staff_chat" in page or "Staff told on chat" in page
