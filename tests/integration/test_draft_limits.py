"""Drafts are limited per browser session and per client address an hour (wizard.limits),
with a clear page when refused; an empty draft is swept within a day."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import posting_at
from wizard.flow.ownership import SESSION_KEY
from wizard.limits import LimitUse
from wizard.maintenance.sweepers import sweep_abandoned_drafts
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db


def start(client):
    return client.post("/post/")


def test_one_browser_starts_ten_drafts_an_hour_then_gets_a_clear_page(settings):
    assert settings.DRAFTS_PER_SESSION_PER_HOUR == 10
    client = Client()
    statuses = [start(client).status_code for _ in range(10)]
    assert statuses == [302] * 10
    refused = start(client)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many new drafts for now" in page and "try again in an hour" in page
    assert JobPosting.objects.count() == 10
    assert len(client.session[SESSION_KEY]) == 10  # the drafts it has are still its own


def test_one_address_starts_thirty_drafts_an_hour_whatever_its_sessions(settings):
    assert settings.DRAFTS_PER_CLIENT_PER_HOUR == 30
    settings.DRAFTS_PER_CLIENT_PER_HOUR = 3
    statuses = [start(Client(REMOTE_ADDR="81.2.69.142")).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert start(Client(REMOTE_ADDR="81.2.69.160")).status_code == 302
    assert JobPosting.objects.count() == 4


def test_the_hour_passes(settings):
    settings.DRAFTS_PER_SESSION_PER_HOUR = 2
    client = Client()
    assert [start(client).status_code for _ in range(3)] == [302, 302, 429]
    for use in LimitUse.objects.all():
        LimitUse.objects.filter(pk=use.pk).update(at=use.at - timedelta(minutes=61))
    assert start(client).status_code == 302


def test_a_refused_draft_counts_for_no_limit(settings):
    settings.DRAFTS_PER_SESSION_PER_HOUR = 1
    settings.DRAFTS_PER_CLIENT_PER_HOUR = 3
    client = Client()
    assert [start(client).status_code for _ in range(5)] == [302] + [429] * 4
    # The address spent one of its three, not five: two other browsers still start one.
    assert start(Client()).status_code == 302
    assert start(Client()).status_code == 302
    assert start(Client()).status_code == 429


# --- Empty drafts are swept within a day --------------------------------------------------


def untouched_for(posting, hours):
    JobPosting.objects.filter(pk=posting.pk).update(
        updated_at=timezone.now() - timedelta(hours=hours)
    )


def test_an_empty_draft_untouched_for_half_a_day_is_abandoned(settings):
    assert settings.ABANDON_EMPTY_DRAFTS_AFTER_HOURS == 12 <= 24
    empty, skipped_logo = posting_at(Status.DRAFT), posting_at("logo_ready")
    with_title = posting_at(Status.DRAFT, title="Baker")
    with_email = posting_at(Status.DRAFT, contact_email="me@acme.example")
    recent = posting_at(Status.DRAFT)
    for posting in (empty, skipped_logo, with_title, with_email):
        untouched_for(posting, 13)
    untouched_for(recent, 11)

    assert sorted(map(str, sweep_abandoned_drafts())) == sorted(
        [str(empty.pk), str(skipped_logo.pk)]
    )
    statuses = dict(JobPosting.objects.values_list("pk", "status"))
    assert statuses[empty.pk] == statuses[skipped_logo.pk] == Status.ABANDONED
    assert statuses[with_title.pk] == statuses[with_email.pk] == Status.DRAFT
    assert statuses[recent.pk] == Status.DRAFT
    why = empty.transitions.order_by("-pk").values_list("reason", flat=True).first()
    assert why == "Left empty"


def test_the_empty_draft_sweep_is_a_setting(settings):
    settings.ABANDON_EMPTY_DRAFTS_AFTER_HOURS = 2
    posting = posting_at(Status.DRAFT)
    untouched_for(posting, 3)
    assert sweep_abandoned_drafts() == [posting.pk]


def test_the_empty_draft_page_says_it_was_closed(client):
    assert start(client).status_code == 302
    (posting,) = JobPosting.objects.all()
    untouched_for(posting, 13)
    sweep_abandoned_drafts()
    response = client.get(f"/post/{posting.pk}/logo/")
    assert response.status_code == 410
    assert b"This draft was closed" in response.content
