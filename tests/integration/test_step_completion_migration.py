"""Migration 0018 gives postings made before the flow recorded step completion times
those times, from their transition log, so the funnel counts them as before."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from tests.factories import posting_through
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

migration = importlib.import_module("wizard.migrations.0018_step_completion_times")


def without_times(posting, **step_data):
    JobPosting.objects.filter(pk=posting.pk).update(step_data=step_data)


def test_times_come_from_the_first_log_row_that_reached_the_step():
    then = timezone.now() - timedelta(days=30)
    paid = posting_through(
        "logo_ready", Status.READY_TO_PAY, Status.AWAITING_PAYMENT, Status.PAID, created_at=then
    )
    stopped = posting_through("logo_ready", Status.ABANDONED, created_at=then)
    verified = posting_through(created_at=then)
    without_times(paid, logo={"skipped": True})
    without_times(stopped)
    without_times(
        verified,
        phone={"number": "+1", "verified": "+1", "verified_at": "2026-01-02T00:00:00+00:00"},
    )

    migration.forwards(apps, None)

    data = {p.pk: p.step_data for p in JobPosting.objects.all()}
    assert data[paid.pk]["logo"] == {"skipped": True, "completed_at": then.isoformat()}
    assert data[paid.pk]["details"] == {"completed_at": then.isoformat()}
    assert "phone" not in data[paid.pk]  # never verified: never counted
    assert data[stopped.pk] == {"logo": {"completed_at": then.isoformat()}}
    assert data[verified.pk]["phone"]["completed_at"] == "2026-01-02T00:00:00+00:00"


def test_a_time_already_recorded_is_kept():
    posting = posting_through("logo_ready", Status.READY_TO_PAY)
    before = JobPosting.objects.get(pk=posting.pk).step_data
    migration.forwards(apps, None)
    assert JobPosting.objects.get(pk=posting.pk).step_data == before
