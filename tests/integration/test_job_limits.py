"""The runner respects a provider's limits: a Retry-After is waited out without spending an
attempt, and a kind's budget (Google's daily quota) makes jobs over it wait for the next
window, oldest first, instead of failing."""

from datetime import UTC, datetime, timedelta

import pytest
import requests
import stripe
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import wizard.effects.indexing  # noqa: F401  (the receivers; WizardConfig.ready imports it too)
from tests.factories import posting_at
from tests.integration.test_indexing import google_notices, indexing_effects, published_posting
from wizard.jobs import budget, runner
from wizard.jobs.kinds import Budget, JobKind, kind_named, register
from wizard.jobs.models import BudgetUse, Job
from wizard.models import Status
from wizard.payments.exceptions import PaymentProviderUnavailable
from wizard.providers import _http
from wizard.providers.errors import ProviderRefused, ProviderUnavailable

pytestmark = pytest.mark.django_db


class LimitedKind(JobKind):
    """Calls a made-up provider; `script` says how each call answers."""

    name = "test_limited"
    label = "Limited"
    script = []
    calls = []
    budget = None

    def perform(self, job):
        self.calls.append(job.name)
        outcome = self.script.pop(0) if self.script else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        return ""

    def is_permanent(self, exc):
        return isinstance(exc, ProviderRefused)


LIMITED = register(LimitedKind())


@pytest.fixture(autouse=True)
def fresh(settings):
    settings.EFFECT_RETRY_BASE_SECONDS = 0
    LIMITED.script, LIMITED.calls, LIMITED.budget = [], [], None
    yield
    LIMITED.budget = None


def queue(name, posting=None):
    with transaction.atomic():
        return runner.queue(posting or posting_at(Status.PAID), LIMITED.name, name)


def too_many_requests(wait="120"):
    return ProviderUnavailable("Too Many Requests", 429, {"Retry-After": wait})


def tasks_of(job):
    return DBTaskResult.objects.filter(args_kwargs__args__0=job.pk, status="READY")


# --- Retry-After ------------------------------------------------------------------------


def test_a_retry_after_is_waited_out_without_spending_an_attempt(settings):
    settings.EFFECT_MAX_ATTEMPTS = 1  # one spent attempt would fail it for good
    LIMITED.script = [too_many_requests(), too_many_requests(), too_many_requests()]
    job = queue("notice")
    for _ in range(3):
        before = timezone.now()
        assert runner.run_now(job.pk) == "waiting (Retry-After)"
        job.refresh_from_db()
        assert (job.state, job.attempts) == ("queued", 0)
        assert before + timedelta(seconds=119) < job.next_attempt_at
        assert job.next_attempt_at < timezone.now() + timedelta(seconds=121)
        assert "asked to wait 120 s" in job.last_error
    waiting = tasks_of(job).filter(run_after__lt=timezone.now() + timedelta(days=1)).last()
    assert abs(waiting.run_after - job.next_attempt_at) < timedelta(seconds=1)
    assert runner.run_now(job.pk) == "done"
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == ("sent", 1, "")
    assert LIMITED.calls == ["notice"] * 4


def test_a_retry_after_given_as_a_date_is_waited_out():
    at = (timezone.now() + timedelta(minutes=10)).astimezone(UTC)
    LIMITED.script = [too_many_requests(at.strftime("%a, %d %b %Y %H:%M:%S GMT"))]
    job = queue("notice")
    assert runner.run_now(job.pk) == "waiting (Retry-After)"
    job.refresh_from_db()
    assert abs(job.next_attempt_at - at) < timedelta(seconds=2)


def test_stripes_rate_limit_with_retry_after_is_waited_out():
    """Stripe's RateLimitError carries the answer's headers; client.call raises
    PaymentProviderUnavailable from it."""
    limited = stripe.RateLimitError(
        "Too many requests", http_status=429, headers={"Retry-After": "30"}
    )
    try:
        raise PaymentProviderUnavailable("rate limited") from limited
    except PaymentProviderUnavailable as exc:
        LIMITED.script = [exc]
    job = queue("refund")
    assert runner.run_now(job.pk) == "waiting (Retry-After)"
    job.refresh_from_db()
    assert job.attempts == 0
    assert timedelta(seconds=29) < job.next_attempt_at - timezone.now() <= timedelta(seconds=30)


def test_a_failure_without_retry_after_spends_an_attempt_and_backs_off():
    LIMITED.script = [ProviderUnavailable("Too Many Requests", 429)]
    job = queue("notice")
    assert runner.run_now(job.pk) == "retry scheduled"
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("queued", 1)


def test_a_refusal_fails_at_once_whatever_its_retry_after():
    LIMITED.script = [ProviderRefused("Forbidden", 403, {"Retry-After": "60"})]
    job = queue("notice")
    assert runner.run_now(job.pk) == "failed"


def test_providers_errors_carry_the_answers_headers():
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "42"
    response._content = b"slow down"
    with pytest.raises(ProviderUnavailable) as raised:
        _http.raise_for_status(response, "Some provider")
    assert LIMITED.retry_after(raised.value) == timedelta(seconds=42)


def test_an_absurd_retry_after_is_capped_at_a_day():
    assert LIMITED.retry_after(too_many_requests("99999999")) == timedelta(days=1)
    assert LIMITED.retry_after(too_many_requests("soon")) is None


# --- Budgets ------------------------------------------------------------------------------


def test_jobs_over_a_budget_wait_for_the_next_window_without_failing(run_tasks, settings):
    settings.EFFECT_MAX_ATTEMPTS = 1
    LIMITED.budget = Budget(2)
    posting = posting_at(Status.PAID)
    jobs = [queue(f"notice-{n}", posting) for n in range(3)]
    run_tasks()
    states = {job.name: job.state for job in Job.objects.filter(kind=LIMITED.name)}
    assert states == {"notice-0": "sent", "notice-1": "sent", "notice-2": "queued"}
    assert LIMITED.calls == ["notice-0", "notice-1"]
    waiting = Job.objects.get(pk=jobs[2].pk)
    tomorrow = budget.window(LIMITED.budget, timezone.now())[1]
    assert tomorrow.time() == datetime.min.time() and tomorrow > timezone.now()
    assert (waiting.attempts, waiting.next_attempt_at, waiting.last_error) == (0, tomorrow, "")
    assert tasks_of(waiting).get().run_after == tomorrow
    assert BudgetUse.objects.get(kind=LIMITED.name).used == 2


def test_when_the_budget_is_short_the_oldest_jobs_go_first():
    LIMITED.budget = Budget(3)
    posting = posting_at(Status.PAID)
    older, newer = queue("older", posting), queue("newer", posting)
    start, end = budget.window(LIMITED.budget, timezone.now())
    BudgetUse.objects.create(kind=LIMITED.name, window_start=start, used=2)  # one call left

    assert runner.run_now(newer.pk) == "nothing to do"  # the older one takes the last call
    newer.refresh_from_db()
    assert (newer.state, newer.next_attempt_at) == ("queued", end)
    assert runner.run_now(older.pk) == "done"
    assert LIMITED.calls == ["older"]
    assert BudgetUse.objects.get(kind=LIMITED.name, window_start=start).used == 3


def test_a_new_window_has_a_new_budget():
    LIMITED.budget = Budget(1, per=timedelta(hours=1))
    start, end = budget.window(LIMITED.budget, timezone.now())
    BudgetUse.objects.create(kind=LIMITED.name, window_start=start - timedelta(hours=1), used=1)
    job = queue("notice")
    assert runner.run_now(job.pk) == "done"  # last hour's spending does not count
    assert end - start == timedelta(hours=1) and start.minute == start.second == 0


def test_the_indexing_kind_declares_googles_daily_quota(settings):
    settings.GOOGLE_INDEXING_DAILY_QUOTA = 200
    assert kind_named("indexing").budget == Budget(200, timedelta(days=1))
    settings.GOOGLE_INDEXING_DAILY_QUOTA = 1000
    assert kind_named("indexing").budget.calls == 1000


def test_notices_over_googles_quota_wait_instead_of_failing(fakeproviders, run_tasks, settings):
    """Google grants two publish calls a day here; a third notice waits for tomorrow,
    untried, where without the budget Google would answer 429."""
    settings.GOOGLE_INDEXING_DAILY_QUOTA = 2
    fakeproviders.configure(google_daily_quota=2)
    for _ in range(3):
        published_posting()
    run_tasks()
    assert len(google_notices(fakeproviders)) == 2
    assert indexing_effects(state="sent").count() == 2
    waiting = indexing_effects(state="queued").get()
    assert (waiting.attempts, waiting.last_error) == (0, "")
    assert waiting.next_attempt_at > timezone.now()
    assert not any(entry["status"] == 429 for entry in fakeproviders.requests("google"))
