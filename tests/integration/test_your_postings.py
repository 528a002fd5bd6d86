"""'Your postings' (issue 20, item 3) and one posting's page for its employer: every
posting by state in an employer's words, paginated, within a fixed query budget, and
nobody else's."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.conftest import step_after
from tests.factories import posting_at
from tests.integration.test_query_budget import data_queries
from wizard.flow.order import FLOW
from wizard.models import DailyNumbers, JobPosting, Refund, Status, TransitionLog

pytestmark = pytest.mark.django_db

POSTINGS = reverse("wizard:account_postings")
MAX_QUERIES = 6


def page_url(posting):
    return reverse("wizard:account_posting", args=[posting.pk])


def live(owner, title="Live job", **fields):
    published = timezone.now() - timedelta(days=2)
    return posting_at(
        Status.PUBLISHED,
        employer=owner,
        title=title,
        published_at=published,
        expires_at=published + timedelta(days=30),
        slug=f"live-{title.lower().replace(' ', '-')}",
        **fields,
    )


@pytest.fixture
def boss(client):
    account = employer()
    sign_in_as(client, account)
    return account


def test_no_postings_yet_says_so_and_offers_to_post(client, boss):
    page = client.get(POSTINGS).content.decode()
    assert "You have no postings yet" in page
    assert f'href="{reverse("wizard:start")}"' in page and "Post a job" in page


def test_each_posting_is_listed_in_an_employers_words(client, boss):
    draft = posting_at(Status.DRAFT, employer=boss, title="A draft")
    paying = posting_at(Status.AWAITING_PAYMENT, employer=boss, title="At checkout")
    review = posting_at(Status.IN_REVIEW, employer=boss, title="Being reviewed")
    rejected = posting_at(
        Status.REJECTED, employer=boss, title="Turned down", rejection_reason="Not a real job"
    )
    expired = posting_at(Status.EXPIRED, employer=boss, title="Old one")
    page = client.get(POSTINGS).content.decode()
    for posting, words in [
        (draft, "Draft"),
        (paying, "Waiting for payment"),
        (review, "In review"),
        (rejected, "Rejected"),
        (expired, "Expired"),
    ]:
        assert f'href="{page_url(posting)}">{posting.title}</a>' in page
        assert f'state-tag--{posting.status}">{words}</strong>' in page
    assert "Reason: Not a real job" in page


def test_a_draft_continues_at_its_first_incomplete_step(client, boss):
    draft = posting_at("logo_ready", employer=boss, title="Half done")
    page = client.get(POSTINGS).content.decode()
    assert f'href="{FLOW.first_incomplete(draft).url(draft)}"' in page
    assert FLOW.first_incomplete(draft).name == step_after("logo", draft)


def test_a_live_posting_shows_until_when_in_its_zone_and_its_numbers(client, boss):
    posting = live(boss, country="NZ", city="Auckland", workplace="on_site")
    # 23:30 UTC on 1 March is already 2 March in Auckland.
    JobPosting.objects.filter(pk=posting.pk).update(
        expires_at=datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    )
    DailyNumbers.objects.create(posting=posting, day=date(2026, 12, 1), views=7, apply_clicks=2)
    DailyNumbers.objects.create(posting=posting, day=date(2026, 12, 2), views=5, apply_clicks=1)
    page = client.get(POSTINGS).content.decode()
    assert "until 2 Mar 2027" in page
    assert "12 views, 3 apply clicks" in page


def test_withdrawn_postings_say_so(client, boss):
    by_employer = posting_at(Status.REFUNDED, employer=boss, title="Changed my mind")
    Refund.objects.create(
        posting=by_employer,
        payment_intent_id="pi_withdrawn",
        amount=9900,
        currency="usd",
        reason=Refund.Reason.WITHDRAWN,
    )
    by_staff = posting_at(Status.EXPIRED, employer=boss, title="Taken down")
    TransitionLog.objects.create(
        posting=by_staff,
        transition="withdraw",
        source=Status.PUBLISHED,
        target=Status.EXPIRED,
        actor="staff",
        reason="Spam",
    )
    refunded = posting_at(Status.REFUNDED, employer=boss, title="Refunded otherwise")
    page = client.get(POSTINGS).content.decode()
    assert page.count(">Withdrawn</strong>") == 2
    assert 'state-tag--refunded">Refunded</strong>' in page
    assert refunded.title in page


def test_only_the_employers_own_postings_are_listed(client, boss):
    posting_at(Status.DRAFT, employer=employer("rival@example.com"), title="Rival's job")
    posting_at(Status.DRAFT, title="Anonymous job")
    mine = posting_at(Status.DRAFT, employer=boss, title="My job")
    page = client.get(POSTINGS).content.decode()
    assert mine.title in page
    assert "Rival's job" not in page and "Anonymous job" not in page


def test_filtering_by_state_shows_that_group_and_counts_each(client, boss):
    posting_at(Status.DRAFT, employer=boss, title="Draft one")
    posting_at("details_ready", employer=boss, title="Draft two")
    live(boss, title="On the board")
    page = client.get(POSTINGS, {"state": "drafts"}).content.decode()
    assert "Draft one" in page and "Draft two" in page and "On the board" not in page
    assert (
        'aria-current="true"><span class="state-filter__label">Drafts</span> '
        '<span class="state-filter__count">2</span>'
    ) in page
    assert '>Live</span> <span class="state-filter__count">1</span>' in page
    page = client.get(POSTINGS, {"state": "live"}).content.decode()
    assert "On the board" in page and "Draft one" not in page


def test_pages_of_25_newest_first(client, boss):
    start = timezone.now() - timedelta(days=30)
    for n in range(30):
        posting = posting_at(Status.DRAFT, employer=boss, title=f"Job {n:02}")
        JobPosting.objects.filter(pk=posting.pk).update(created_at=start + timedelta(hours=n))
    first = client.get(POSTINGS).content.decode()
    assert "Job 29" in first and "Job 05" in first and "Job 04" not in first
    assert "Page 1 of 2" in first and 'rel="next" href="?page=2"' in first
    second = client.get(POSTINGS, {"page": 2}).content.decode()
    assert "Job 04" in second and "Job 00" in second and "Job 05" not in second
    assert client.get(POSTINGS, {"page": "nonsense"}).status_code == 200


def test_two_hundred_postings_cost_at_most_six_queries(client, boss):
    for n in range(200):
        status = [Status.DRAFT, "details_ready", Status.AWAITING_PAYMENT, Status.IN_REVIEW][n % 4]
        posting = posting_at(status, employer=boss, title=f"Job {n}")
        if status == Status.AWAITING_PAYMENT:
            attempt_for(posting, session_id=f"cs_{n}")
    for n in range(20):
        posting = live(boss, title=f"Live {n}")
        DailyNumbers.objects.create(posting=posting, day=date(2026, 12, 1), views=n)
    for state, rows in [("", 25), ("drafts", 25), ("payment", 25), ("live", 20)]:
        with data_queries() as queries:
            response = client.get(POSTINGS, {"state": state} if state else {})
        assert response.status_code == 200
        assert response.content.decode().count("<tr>") == 1 + rows  # the head and the rows
        assert len(queries) <= MAX_QUERIES, "\n".join(queries)


def test_the_posting_page_shows_its_state_ledger_and_payments(client, boss):
    posting = live(boss, title="Paid and live")
    attempt = attempt_for(posting, session_id="cs_live", payment_intent_id="pi_live")
    attempt.receipt_url = "https://pay.stripe.com/receipts/r_1"
    attempt.save()
    page = client.get(page_url(posting)).content.decode()
    assert "<h1>Paid and live</h1>" in page
    assert "Live, until" in page
    assert 'class="ledger"' in page and "Published on the board" in page
    assert "First payment" in page and "USD 99.00" in page
    assert 'href="https://pay.stripe.com/receipts/r_1"' in page


def test_a_draft_page_offers_continue_and_shows_its_steps(client, boss):
    draft = posting_at("logo_ready", employer=boss, title="Draft page")
    page = client.get(page_url(draft)).content.decode()
    continue_url = FLOW.first_incomplete(draft).url(draft)
    assert f'<a class="button button--primary" href="{continue_url}">Continue</a>' in page
    assert 'aria-label="Steps of this draft"' in page
    assert "No payment has been made for this posting." in page


def test_a_posting_in_review_offers_no_continue(client, boss):
    posting = posting_at(Status.IN_REVIEW, employer=boss)
    assert ">Continue</a>" not in client.get(page_url(posting)).content.decode()


def test_another_employers_posting_is_a_404(client, boss):
    rival = posting_at(Status.PUBLISHED, employer=employer("rival@example.com"))
    anonymous = posting_at(Status.DRAFT)
    assert client.get(page_url(rival)).status_code == 404
    assert client.get(page_url(anonymous)).status_code == 404
    missing = reverse("wizard:account_posting", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404


def _sign_in_exists():
    try:
        reverse("wizard:sign_in")
    except NoReverseMatch:
        return False
    return True


@pytest.mark.skipif(not _sign_in_exists(), reason="the sign-in page is built on another branch")
def test_someone_not_signed_in_is_sent_to_sign_in(client):
    response = client.get(POSTINGS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wizard:sign_in"))


def test_the_posting_page_costs_the_same_whatever_its_payments(client, boss):
    def queries_for(posting):
        with data_queries() as queries:
            assert client.get(page_url(posting)).status_code == 200
        return len(queries)

    once = live(boss, title="Paid once")
    attempt_for(once, session_id="cs_once", payment_intent_id="pi_once")
    renewed = live(boss, title="Renewed twice")
    for n in range(3):
        attempt_for(renewed, session_id=f"cs_renewed_{n}", payment_intent_id=f"pi_renewed_{n}")
    assert queries_for(renewed) == queries_for(once) <= 8


def test_an_expired_postings_page_asks_nothing_more_to_offer_renew(client, boss):
    """Whether staff withdrew it (which rules out Renew) is read in the page's one query
    of the posting, not asked again by the Renew action."""

    def queries_for(posting):
        with data_queries() as queries:
            page = client.get(page_url(posting)).content.decode()
        return len(queries), reverse("wizard:renew", args=[posting.pk]) in page

    on_board = live(boss, title="On the board")
    ended = posting_at(Status.EXPIRED, employer=boss, title="Time is up")
    assert queries_for(ended) == (queries_for(on_board)[0], True)
