"""Search engines hear of a posting when it is published and when it leaves the board,
through outages, refusals and worker crashes, without the employer ever seeing an error."""

from datetime import timedelta

import pytest
from django.utils import timezone

import wizard.effects.indexing  # noqa: F401  (the receivers; WizardConfig.ready imports it too)
from tests.factories import posting_at
from wizard.jobs import runner
from wizard.jobs.kinds import kind_named
from wizard.jobs.models import Job
from wizard.jobs.recovery import recover_stuck_work
from wizard.models import Actor, JobPosting, Status
from wizard.postings import links, review

pytestmark = pytest.mark.django_db

PUBLISH_PATH = "urlNotifications:publish"


def published_posting():
    posting = posting_at(Status.IN_REVIEW)
    return review.approve(posting.pk, by=Actor.system())


def indexing_effects(**filters):
    return Job.objects.filter(kind="indexing", **filters)


def google_notices(fakeproviders):
    """(url, type) of every publish call Google's emulator answered with 200."""
    return [
        (entry["json"]["url"], entry["json"]["type"])
        for entry in fakeproviders.requests("google")
        if PUBLISH_PATH in entry["path"] and entry["status"] == 200
    ]


def indexnow_submissions(fakeproviders, accepted_only=False):
    """The urlList of every IndexNow submission (only the accepted ones: 200 or 202)."""
    return [
        entry["json"]["urlList"]
        for entry in fakeproviders.requests("indexnow")
        if not accepted_only or entry["status"] in (200, 202)
    ]


def test_the_kind_is_registered():
    kind = kind_named("indexing")
    assert kind.label == "Search engines notified"


def test_publishing_tells_google_and_indexnow_once(fakeproviders, run_tasks):
    posting = published_posting()
    url = links.public_url(posting)
    assert url.startswith("http") and posting.slug in url

    effect = indexing_effects().get()
    assert (effect.name, effect.state, effect.payload) == ("URL_UPDATED", "queued", {"url": url})

    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts, effect.target) == ("sent", 1, url)
    assert google_notices(fakeproviders) == [(url, "URL_UPDATED")]
    assert indexnow_submissions(fakeproviders) == [[url]]


def test_withdrawing_tells_the_search_engines_the_url_is_gone(fakeproviders, run_tasks):
    posting = published_posting()
    url = links.public_url(posting)
    run_tasks()

    review.withdraw(posting.pk, by=Actor.system(), reason="Filled elsewhere")
    run_tasks()

    deleted = indexing_effects(name="URL_DELETED").get()
    assert (deleted.state, deleted.payload["url"], deleted.target) == ("sent", url, url)
    assert google_notices(fakeproviders) == [(url, "URL_UPDATED"), (url, "URL_DELETED")]
    assert indexnow_submissions(fakeproviders) == [[url], [url]]


def test_expiry_tells_the_search_engines_the_url_is_gone(fakeproviders, run_tasks):
    posting = published_posting()
    url = links.public_url(posting)
    run_tasks()
    JobPosting.objects.filter(pk=posting.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert review.expire_due_postings() == [posting.pk]
    run_tasks()

    assert JobPosting.objects.get(pk=posting.pk).status == Status.EXPIRED
    deleted = indexing_effects(name="URL_DELETED").get()
    assert (deleted.state, deleted.payload) == ("sent", {"url": url})
    assert google_notices(fakeproviders)[-1] == (url, "URL_DELETED")
    assert indexnow_submissions(fakeproviders) == [[url], [url]]


def test_a_google_outage_is_retried_until_it_goes_through(fakeproviders, run_tasks, settings):
    settings.EFFECT_RETRY_BASE_SECONDS = 0  # the retry is due at once
    fakeproviders.add_fault("500", count=1, method="POST", path=PUBLISH_PATH)
    posting = published_posting()
    url = links.public_url(posting)
    effect = indexing_effects().get()

    assert runner.run_now(effect.pk) == "retry scheduled"  # the first attempt, in this process
    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("queued", 1)
    assert "ProviderUnavailable" in effect.last_error and "500" in effect.last_error
    assert indexnow_submissions(fakeproviders) == []  # Google failed first; IndexNow waits

    run_tasks()
    effect.refresh_from_db()
    assert (effect.state, effect.attempts, effect.last_error) == ("sent", 2, "")
    assert google_notices(fakeproviders) == [(url, "URL_UPDATED")]
    assert indexnow_submissions(fakeproviders) == [[url]]
    posting.refresh_from_db()
    assert posting.last_error_message == ""


def test_an_indexnow_outage_repeats_the_harmless_google_call(fakeproviders, run_tasks, settings):
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    fakeproviders.add_fault("500", count=1, path="indexnow")
    posting = published_posting()
    url = links.public_url(posting)

    run_tasks()
    effect = indexing_effects().get()
    assert (effect.state, effect.attempts) == ("sent", 2)
    assert google_notices(fakeproviders) == [(url, "URL_UPDATED")] * 2
    assert indexnow_submissions(fakeproviders) == [[url]] * 2
    assert indexnow_submissions(fakeproviders, accepted_only=True) == [[url]]


def test_a_google_refusal_fails_at_once_without_bothering_the_employer(
    fakeproviders, run_tasks, settings, admin_client
):
    settings.SITE_URL = "not-a-site"  # public URLs Google answers with 400 INVALID_ARGUMENT
    posting = published_posting()

    run_tasks()
    effect = indexing_effects().get()
    assert (effect.state, effect.attempts) == ("failed", 1)
    assert effect.needs_attention
    assert "ProviderRefused" in effect.last_error and "400" in effect.last_error
    assert indexnow_submissions(fakeproviders) == []
    posting.refresh_from_db()
    assert posting.status == Status.PUBLISHED
    assert posting.last_error_message == ""
    attention = admin_client.get("/admin/wizard/jobposting/", {"attention": "effect"})
    assert list(attention.context["cl"].result_list) == [posting]  # staff see it


def test_an_indexnow_refusal_fails_at_once_without_bothering_the_employer(fakeproviders, run_tasks):
    fakeproviders.configure(indexnow_key="some-other-key")  # IndexNow answers 403
    posting = published_posting()

    run_tasks()
    effect = indexing_effects().get()
    assert (effect.state, effect.attempts) == ("failed", 1)
    assert "ProviderRefused" in effect.last_error and "403" in effect.last_error
    posting.refresh_from_db()
    assert posting.last_error_message == ""


def test_a_worker_crash_mid_attempt_is_recovered_with_at_most_one_duplicate(
    fakeproviders, run_tasks, settings
):
    posting = published_posting()
    url = links.public_url(posting)
    effect = indexing_effects().get()
    # A worker claims the effect, makes both calls, and dies before recording the answer.
    claimed = runner._claim(effect.pk)
    kind_named("indexing").perform(claimed)
    Job.objects.filter(pk=effect.pk).update(started_at=timezone.now() - timedelta(hours=1))
    run_tasks()  # the original task finds the effect `sending` and leaves it alone
    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("sending", 1)

    repaired = recover_stuck_work()
    assert any(effect.key in line for line in repaired)
    run_tasks()

    effect.refresh_from_db()
    assert (effect.state, effect.attempts) == ("sent", 2)
    assert google_notices(fakeproviders) == [(url, "URL_UPDATED")] * 2  # one duplicate
    assert indexnow_submissions(fakeproviders) == [[url]] * 2


def test_nothing_is_queued_when_indexing_is_disabled(fakeproviders, run_tasks, settings):
    settings.SEARCH_INDEXING_ENABLED = False
    posting = published_posting()
    review.withdraw(posting.pk, by=Actor.system(), reason="Filled elsewhere")
    run_tasks()

    assert not indexing_effects().exists()
    assert google_notices(fakeproviders) == []
    assert indexnow_submissions(fakeproviders) == []


def test_the_site_serves_its_indexnow_key(client, settings):
    settings.INDEXNOW_KEY = "k3y-for-tests"
    response = client.get("/k3y-for-tests.txt")
    assert (response.status_code, response.content) == (200, b"k3y-for-tests")
    assert client.get("/another-key.txt").status_code == 404
