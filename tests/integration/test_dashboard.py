"""The staff dashboard: its numbers, the lists its bars link to, who may see it, and a query
count that does not grow with the postings."""

import itertools
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tests.factories import posting_at, posting_through
from wizard.admin.dashboard_parts import week_label
from wizard.dashboard.numbers import week_start
from wizard.flow.order import FLOW
from wizard.models import Job, JobPosting, Refund, Status
from wizard.postings.numbers import DailyNumbers

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/"
TO_PAY = ["logo_ready", Status.READY_TO_PAY]
PAID = [*TO_PAY, Status.AWAITING_PAYMENT, Status.PAID]


def steps():
    """The flow's applicable steps before payment: each is a stage of the funnel."""
    return FLOW.before_payment(JobPosting())


def step_labels(*values):
    """The funnel's step rows, each with `values` (the first step's, then the others')."""
    labels = [step.ledger_label for step in steps()]
    return dict(zip(labels, [values[0], *[values[-1]] * (len(labels) - 1)], strict=True))


def card(response, card_id):
    return next(card for card in response.context["cards"] if card.id == card_id)


def numbers(response, card_id):
    """A card's table as {row header: [cell text, …]}."""
    return {
        row[0].text: [cell.text for cell in row[1:]] for row in card(response, card_id).table.rows
    }


def link(response, card_id, row_header, column):
    """The link of a card's table cell, by its row header and column header."""
    found = card(response, card_id)
    row = next(row for row in found.table.rows if row[0].text == row_header)
    return row[found.table.headers.index(column)].href


def listed(client, url):
    """What the admin list at `url` shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    return set(response.context["cl"].result_list)


def tile(response, label):
    tiles = [*response.context["now_tiles"], *response.context["tiles"]]
    return next(tile for tile in tiles if tile.label == label)


# --- The funnel ---------------------------------------------------------------------------


def test_the_funnel_counts_this_weeks_drafts_by_the_steps_they_reached(admin_client):
    now = timezone.now()
    draft = posting_through(created_at=now)
    ready = posting_through(*TO_PAY, created_at=now)
    paid = posting_through(*PAID, created_at=now)
    posting_through(*PAID, created_at=now - timedelta(weeks=9))  # before the eight weeks

    response = admin_client.get(URL)

    assert response.status_code == 200
    assert numbers(response, "funnel") == {
        "Created": ["3", "100%"],
        **step_labels(["2", "67%"]),
        "Checkout opened": ["1", "33%"],
        "Paid": ["1", "33%"],
        "Published": ["0", "0%"],
    }
    this_week = numbers(response, "funnel-by-week")[f"Week of {week_label(week_start(now))}"]
    assert this_week == ["3", *["2"] * len(steps()), "1", "1", "0"]
    assert tile(response, "Drafts started").value == "3"
    assert tile(response, "Paid").note == "33% of those drafts"
    # Each number links to the list of exactly those postings.
    assert listed(admin_client, link(response, "funnel", "Created", "Postings")) == {
        draft,
        ready,
        paid,
    }
    assert listed(admin_client, link(response, "funnel", "Details saved", "Postings")) == {
        ready,
        paid,
    }
    assert listed(admin_client, link(response, "funnel", "Paid", "Postings")) == {paid}
    assert listed(admin_client, tile(response, "Paid").href) == {paid}


def test_a_step_counts_once_completed_and_a_later_stage_by_the_log_or_the_status(admin_client):
    now = timezone.now()
    # An edit undid the details: their completion time says they were saved once.
    undone = posting_through(*TO_PAY, "logo_ready", created_at=now)
    # Made without a log: its status alone says how far it got after the steps.
    published = posting_at(Status.PUBLISHED)
    # Rejected and refunded postings were paid; abandoned says nothing, its log does.
    rejected = posting_through(*PAID, Status.CONFIRMED, Status.IN_REVIEW, Status.REJECTED)
    abandoned = posting_through("logo_ready", Status.ABANDONED)

    response = admin_client.get(URL)

    counts = {label: cells[0] for label, cells in numbers(response, "funnel").items()}
    assert counts == {
        "Created": "4",
        **step_labels("4", "3"),
        "Checkout opened": "2",
        "Paid": "2",
        "Published": "1",
    }
    details = link(response, "funnel", "Details saved", "Postings")
    assert listed(admin_client, details) == {undone, published, rejected}
    assert abandoned in listed(admin_client, link(response, "funnel", "Logo", "Postings"))


def test_each_week_counts_the_drafts_created_that_week(admin_client):
    now = timezone.now()
    last_week = week_start(now) - timedelta(weeks=1)
    early = posting_through(*PAID, created_at=last_week + timedelta(hours=1))
    posting_through(created_at=last_week + timedelta(days=6, hours=23))
    posting_through(created_at=now)

    response = admin_client.get(URL)

    weeks = numbers(response, "funnel-by-week")
    assert len(weeks) == 8
    each_step = len(steps())
    assert weeks[f"Week of {week_label(last_week)}"] == ["2", *["1"] * each_step, "1", "1", "0"]
    assert weeks[f"Week of {week_label(week_start(now))}"] == [
        "1",
        *["0"] * each_step,
        "0",
        "0",
        "0",
    ]
    paid_last_week = link(response, "funnel-by-week", f"Week of {week_label(last_week)}", "Paid")
    assert listed(admin_client, paid_last_week) == {early}
    # The weekly chart has a column per week, and a bar per stage reached.
    columns = card(response, "funnel-by-week").chart.columns
    assert [bar.value for bar in columns[-2].bars] == [2, *[1] * each_step, 1, 1, 0]


def test_more_weeks_can_be_asked_for(admin_client):
    posting_through(created_at=timezone.now() - timedelta(weeks=10))
    assert tile(admin_client.get(URL), "Drafts started").value == "0"
    response = admin_client.get(URL, {"weeks": 13})
    assert tile(response, "Drafts started").value == "1"
    assert len(numbers(response, "funnel-by-week")) == 13
    assert admin_client.get(URL, {"weeks": "lots"}).context["window"].weeks == 8


def test_the_stages_are_the_flows_steps(admin_client, settings):
    settings.PHONE_VERIFICATION_ENABLED = False
    assert "Phone verified" not in numbers(admin_client.get(URL), "funnel")

    settings.PHONE_VERIFICATION_ENABLED = True
    response = admin_client.get(URL)
    assert list(numbers(response, "funnel")) == [
        "Created",
        *step_labels(None),
        "Checkout opened",
        "Paid",
        "Published",
    ]
    assert "Phone verified" in step_labels(None)

    # Switched off again: still shown while postings of these weeks went through it.
    settings.PHONE_VERIFICATION_ENABLED = False
    posting_through("logo_ready", "details_ready", "phone_verified", Status.READY_TO_PAY)
    assert numbers(admin_client.get(URL), "funnel")["Phone verified"][0] == "1"


# --- Where employers give up --------------------------------------------------------------


def test_where_employers_give_up(admin_client):
    now = timezone.now()
    two_days_ago = now - timedelta(days=2)
    after_logo = posting_through("logo_ready", Status.ABANDONED, created_at=two_days_ago)
    at_checkout = posting_through(*TO_PAY, Status.AWAITING_PAYMENT, Status.ABANDONED)
    idle = posting_through(created_at=two_days_ago)
    posting_through(created_at=now)  # still being written
    posting_through(*PAID, created_at=two_days_ago)  # paid: nobody gave up

    response = admin_client.get(URL)

    first, *others = steps()
    assert numbers(response, "give-ups") == {
        first.title: ["Nothing yet", "0", "1"],
        # Abandoned after the logo: at the step after it.
        **{
            following.title: [done.ledger_label, "1" if done is first else "0", "0"]
            for done, following in zip([first, *others][:-1], others, strict=True)
        },
        "Payment, before checkout": ["Every step before it", "0", "0"],
        "Payment, at checkout": ["Checkout opened", "1", "0"],
    }
    assert tile(response, "Gave up").value == "3"
    assert listed(admin_client, link(response, "give-ups", "Details", "Abandoned")) == {after_logo}
    assert listed(admin_client, link(response, "give-ups", "Logo", "Idle over a day")) == {idle}
    checkout = link(response, "give-ups", "Payment, at checkout", "Abandoned")
    assert listed(admin_client, checkout) == {at_checkout}
    assert listed(admin_client, tile(response, "Gave up").href) == {after_logo, at_checkout, idle}


# --- Side effects -------------------------------------------------------------------------


def effect(posting, kind, name, state, attempts=1, last_error="", **fields):
    return Job.objects.create(
        posting=posting,
        kind=kind,
        name=name,
        key=f"{kind}:{name}:{posting.pk}",
        state=state,
        attempts=attempts,
        last_error=last_error,
        **fields,
    )


def test_side_effect_failures_and_retries_by_kind(admin_client):
    posting = posting_at(Status.PUBLISHED)
    now = timezone.now()
    failed = effect(posting, "email", "approved", Job.State.FAILED, 10, "503")
    bounced = effect(posting, "email", "confirmation", Job.State.BOUNCED)
    retrying = effect(posting, "email", "expiring", Job.State.QUEUED, 2, "timeout")
    recovered = effect(posting, "email", "manage_link", Job.State.DELIVERED, 3, sent_at=now)
    effect(posting, "email", "finish_later", Job.State.SENT, 1, sent_at=now)  # no trouble
    effect(posting, "indexing", "URL_UPDATED", Job.State.FAILED, 1, "403")

    response = admin_client.get(URL)

    table = numbers(response, "effects")
    assert table["Email"][1:] == ["1", "1", "1", "1", "5"]
    assert table["Search engines notified"] == ["Google, IndexNow", "1", "0", "0", "0", "1"]
    assert table["Refund"] == ["Stripe", "0", "0", "0", "0", "0"]
    assert tile(response, "Side effects failing").value == "3"
    assert listed(admin_client, link(response, "effects", "Email", "Failed")) == {failed}
    assert listed(admin_client, link(response, "effects", "Email", "Bounced")) == {bounced}
    assert listed(admin_client, link(response, "effects", "Email", "Retrying")) == {retrying}
    recovered_link = link(response, "effects", "Email", "Done after retries")
    assert listed(admin_client, recovered_link) == {recovered}
    failing = listed(admin_client, tile(response, "Side effects failing").href)
    assert failing == {failed, bounced, Job.objects.get(kind="indexing")}


# --- The task queue -----------------------------------------------------------------------


def task_row(path, minutes_ago, status="READY", run_after=None):
    row = DBTaskResult.objects.create(
        task_path=path,
        args_kwargs={},
        backend_name="default",
        run_after=run_after or get_date_max(),
        status=status,
    )
    DBTaskResult.objects.filter(pk=row.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return DBTaskResult.objects.get(pk=row.pk)


def test_the_queue_shows_what_is_due_and_how_long_it_waited(admin_client):
    run_job = "wizard.jobs.runner.run_job"
    oldest = task_row(run_job, 10)
    newest = task_row(run_job, 3)
    # A retry's backoff: enqueued long ago, due a minute ago: it waited one minute.
    retry = task_row(run_job, 60, run_after=timezone.now() - timedelta(minutes=1))
    later = task_row(run_job, 1, run_after=timezone.now() + timedelta(minutes=5))
    task_row(run_job, 2, status="RUNNING")
    task_row(run_job, 30, status="SUCCESSFUL")  # done: not in the queue
    task_row("wizard.tasks.reconcile_payments", 1)

    response = admin_client.get(URL)

    assert numbers(response, "queue") == {
        "run_job": ["3", "10 min", "1", "1"],
        "reconcile_payments": ["1", "1 min", "0", "0"],
    }
    assert (
        tile(response, "Oldest waiting task").value,
        tile(response, "Oldest waiting task").note,
    ) == (
        "10 min",
        "4 due now",
    )
    assert tile(response, "Oldest waiting task").tone == "bad"  # past STUCK_AFTER_SECONDS
    assert listed(admin_client, link(response, "queue", "run_job", "Due now")) == {
        oldest,
        newest,
        retry,
    }
    assert listed(admin_client, link(response, "queue", "run_job", "Due later")) == {later}


# --- Refunds ------------------------------------------------------------------------------


PAYMENT_NUMBERS = itertools.count(1)


def refund(state, days_ago=0):
    made = Refund.objects.create(
        posting=posting_at(Status.REFUNDED),
        payment_intent_id=f"pi_dashboard_{next(PAYMENT_NUMBERS)}",
        amount=9900,
        currency="usd",
        reason=Refund.Reason.STAFF,
        state=state,
    )
    Refund.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return made


def test_refunds_pending_failed_and_lately_made(admin_client):
    pending = {refund("pending", days_ago=3), refund("pending")}
    refund("failed", days_ago=40)
    refund("succeeded", days_ago=1)
    refund("succeeded", days_ago=90)  # long before the eight weeks

    response = admin_client.get(URL)

    assert numbers(response, "refunds") == {
        "Pending": ["2", "USD 198.00", "3 days"],
        "Failed": ["1", "USD 99.00", "40 days"],
        "Succeeded (last 8 weeks)": ["1", "USD 99.00", "24 h"],
    }
    assert tile(response, "Refunds pending").value == "2"
    assert listed(admin_client, link(response, "refunds", "Pending", "Refunds")) == pending
    assert (
        len(listed(admin_client, link(response, "refunds", "Succeeded (last 8 weeks)", "Refunds")))
        == 1
    )


# --- The page -----------------------------------------------------------------------------


def test_every_chart_is_an_image_with_a_title_and_no_inline_style(admin_client):
    posting = posting_through(*PAID)
    posting_through("logo_ready", Status.ABANDONED)
    effect(posting, "email", "confirmation", Job.State.FAILED, 2, "503")
    task_row("wizard.jobs.runner.run_job", 1)
    refund("pending")
    DailyNumbers.objects.create(posting=posting, day=timezone.now().date(), views=3)
    response = admin_client.get(URL)
    html = response.content.decode()
    assert html.count('role="img"') == 7
    for found in response.context["cards"]:
        assert f'<title id="{found.id}-title">{found.title}</title>' in html
        assert f'aria-describedby="{found.id}-desc"' in html
    assert "style=" not in html.split('id="content-main"')[1]
    assert "<script" not in html.split('id="content-main"')[1]


def test_an_empty_chart_says_so(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert b"No drafts were created in these weeks." in response.content
    assert b"The queue is empty" in response.content


def staff(*codenames):
    user = User.objects.create_user("staff", "staff@jobwizard.test", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_staff_who_may_not_view_postings_get_a_403(client):
    client.force_login(staff())
    assert client.get(URL).status_code == 403
    assert b"/admin/dashboard/" not in client.get("/admin/").content


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/admin/login/"


def test_staff_see_links_only_to_the_lists_they_may_view(client):
    posting_through(*PAID)
    client.force_login(staff("view_jobposting"))
    assert b'href="/admin/dashboard/"' in client.get("/admin/").content

    response = client.get(URL)

    assert response.status_code == 200
    assert link(response, "funnel", "Paid", "Postings").startswith("/admin/wizard/jobposting/?")
    assert link(response, "effects", "Email", "Failed") is None
    assert tile(response, "Refunds pending").href is None


def test_the_number_of_queries_does_not_grow_with_the_postings(admin_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(URL).status_code == 200
        return len(captured)

    def some(count):
        for number in range(count):
            posting = posting_through(*PAID[: number % 5], created_at=timezone.now())
            effect(posting, "email", "confirmation", Job.State.FAILED, 2, "503")
            task_row("wizard.jobs.runner.run_job", number)
            if number % 2:
                posting_through("logo_ready", Status.ABANDONED)

    some(2)
    queries()  # what is read once and then cached (the plans offered) is read now
    few = queries()
    some(25)
    assert queries() == few


def test_payments_processing_are_counted_and_listed(admin_client):
    """A delayed method's payment on its way: a tile, its list, and the funnel counts the
    posting as having opened a checkout (not paid yet)."""
    processing = posting_through(*TO_PAY, Status.AWAITING_PAYMENT, Status.PAYMENT_PROCESSING)
    posting_through(*PAID)

    response = admin_client.get(URL)

    assert tile(response, "Payments processing").value == "1"
    assert listed(admin_client, tile(response, "Payments processing").href) == {processing}
    counts = {label: cells[0] for label, cells in numbers(response, "funnel").items()}
    assert (counts["Checkout opened"], counts["Paid"]) == ("2", "1")
