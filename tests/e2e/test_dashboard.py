"""Staff open the dashboard in Chromium, at a desktop's width and a phone's, and follow a
bar of a chart to the list it counts."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot_path
from tests.factories import posting_through
from wizard.models import Job, Refund, Status

pytestmark = pytest.mark.django_db(transaction=True)

PATH = [
    "logo_ready",
    Status.READY_TO_PAY,
    Status.AWAITING_PAYMENT,
    Status.PAID,
    Status.CONFIRMED,
    Status.IN_REVIEW,
    Status.PUBLISHED,
]
# How far each draft of a week got (an index into PATH, -1: not even the logo).
DEPTHS = [6, 6, 5, 3, 2, 1, 0, -1, 6, 2, 1, 0, 6]
CREATED_PER_WEEK = [6, 9, 7, 11, 10, 13, 12, 4]


def seed(now):
    """Eight weeks of drafts, some side effects in trouble, a queue and some refunds."""
    postings = []
    for week, created in enumerate(CREATED_PER_WEEK):
        weeks_ago = len(CREATED_PER_WEEK) - 1 - week
        for index in range(created):
            at = now - timedelta(weeks=weeks_ago, hours=index * 5 + 1)
            depth = DEPTHS[(index + week) % len(DEPTHS)]
            statuses = PATH[: depth + 1]
            paid = depth >= PATH.index(Status.PAID)
            if not paid and weeks_ago >= 2 and index % 3:
                statuses = [*statuses, Status.ABANDONED]
            idle = at if not paid else None
            postings.append(
                posting_through(
                    *statuses, created_at=at, updated_at=idle, title=f"Job {week}-{index}"
                )
            )
    effects = [
        ("email", "confirmation", Job.State.FAILED, 1, "AnymailRecipientsRefused"),
        ("email", "approved", Job.State.FAILED, 3, "AnymailAPIError: 503"),
        ("email", "expiring", Job.State.BOUNCED, 1, "bounced"),
        ("email", "rejected", Job.State.QUEUED, 2, "ConnectionError"),
        ("email", "finish_later", Job.State.SENT, 3, ""),
        ("email", "manage_link", Job.State.DELIVERED, 2, ""),
        ("indexing", "URL_UPDATED", Job.State.FAILED, 10, "ProviderUnavailable"),
        ("indexing", "URL_DELETED", Job.State.SENT, 4, ""),
        ("refund", "pi_seed_1", Job.State.QUEUED, 1, "APIConnectionError"),
    ]
    for number, (kind, name, state, attempts, error) in enumerate(effects):
        Job.objects.create(
            posting=postings[number],
            kind=kind,
            name=name,
            key=f"{kind}:{name}:{number}",
            state=state,
            attempts=attempts,
            last_error=error,
            sent_at=now if state in (Job.State.SENT, Job.State.DELIVERED) else None,
        )
    for minutes, path, run_after, status in [
        (12, "wizard.jobs.runner.run_job", get_date_max(), "READY"),
        (4, "wizard.jobs.runner.run_job", get_date_max(), "READY"),
        (1, "wizard.jobs.runner.run_job", now + timedelta(minutes=9), "READY"),
        (2, "wizard.jobs.runner.run_job", get_date_max(), "RUNNING"),
        (3, "wizard.tasks.expire_postings", get_date_max(), "READY"),
        (1, "wizard.tasks.reconcile_payments", now + timedelta(minutes=1), "READY"),
    ]:
        row = DBTaskResult.objects.create(
            task_path=path,
            args_kwargs={},
            backend_name="default",
            run_after=run_after,
            status=status,
        )
        DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=now - timedelta(minutes=minutes))
    for number, state in enumerate(["pending", "pending", "failed", "succeeded", "succeeded"]):
        Refund.objects.create(
            posting=postings[-number - 1],
            payment_intent_id=f"pi_seed_{number}",
            amount=9900,
            currency="usd",
            reason=Refund.Reason.REJECTED,
            state=state,
        )


def test_the_dashboard_at_a_desktops_and_a_phones_width(page, live_server):
    User.objects.create_superuser("staff", "staff@jobwizard.test", "correct horse battery")
    seed(timezone.now())

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Dashboard").click()

    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    for title in [
        "Funnel",
        "Funnel by week",
        "Where employers give up",
        "Side effects: failures and retries",
        "Task queue",
        "Refunds",
    ]:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.get_by_role("img", name=title, exact=True)).to_be_visible()
    page.screenshot(path=screenshot_path("dashboard-desktop"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    chart = page.get_by_role("img", name="Funnel by week", exact=True)
    box = chart.bounding_box()
    assert box["width"] <= 390 and box["x"] >= 0
    page.screenshot(path=screenshot_path("dashboard-phone"), full_page=True)

    # The numbers under a chart carry the same links as its bars.
    page.set_viewport_size({"width": 1280, "height": 900})
    section = page.locator("section#funnel")
    section.get_by_text("The numbers").click()
    section.get_by_role("row", name="Paid").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Select job posting to change")).to_be_visible()
    page.screenshot(path=screenshot_path("dashboard-paid-list"), full_page=False)
    assert "reached=paid" in page.url
