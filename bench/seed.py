"""Data for the benchmark, written straight into the database it is pointed at.

    python -m bench.seed wizard   # drafts at each step, one browser session owning them
    python -m bench.seed board    # 10,000 published postings (BENCH_BOARD_SIZE)
    python -m bench.seed account  # an employer with 200 postings, a session signed in to it

Each prints what the requests need as one JSON object on stdout: the session cookie,
a CSRF cookie and token, the postings' ids, a job's slug.
"""

import json
import sys
import urllib.parse
from datetime import timedelta

import django

django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.board_data import published_postings  # noqa: E402
from wizard.effects.email import KIND as EMAIL  # noqa: E402
from wizard.effects.email import Email  # noqa: E402
from wizard.employers.models import Employer  # noqa: E402
from wizard.employers.sessions import SESSION_KEY as EMPLOYER_KEY  # noqa: E402
from wizard.flow.order import FLOW  # noqa: E402
from wizard.flow.ownership import SESSION_KEY  # noqa: E402
from wizard.jobs.models import Job  # noqa: E402
from wizard.payments.models import PaymentAttempt  # noqa: E402
from wizard.postings.models import JobPosting, Status  # noqa: E402
from wizard.postings.numbers import DailyNumbers  # noqa: E402

DETAILS = {
    "company_name": "Acme Analytics GmbH",
    "title": "Senior Backend Engineer (Python/Django)",
    "workplace": "hybrid",
    "city": "Berlin",
    "country": "DE",
    "employment_type": "full_time",
    "salary_min": 70000,
    "salary_max": 90000,
    "salary_currency": "eur",
    "description": (
        "We build the data platform that thousands of small shops use to understand their "
        "customers. You will design and run the Django services behind it, review code, "
        "and help two junior engineers grow.\n\nYou have shipped Python web services to "
        "production, you care about tests and about the people who use what you build."
    ),
    "apply_url": "https://acme.example/careers/backend",
    "apply_email": "jobs@acme.example",
    "contact_email": "hiring@acme.example",
}

# The form the details POST sends: the same details again (the posting's status stays).
DETAILS_FORM = dict(DETAILS)


def paid(postings, paid_at, session_id="cs_test_bench"):
    """Give each posting a paid PaymentAttempt, its current one (its payment)."""
    attempts = PaymentAttempt.objects.bulk_create(
        PaymentAttempt(
            posting=posting,
            number=1,
            amount=9900,
            currency="usd",
            reviewed="",
            expires_at=paid_at,
            session_id=session_id,
            state=PaymentAttempt.State.PAID,
            payment_intent_id=f"pi_bench_{posting.pk.hex}",
            paid_at=paid_at,
        )
        for posting in postings
    )
    for posting, attempt in zip(postings, attempts, strict=True):
        posting.current_attempt = attempt
    JobPosting.objects.bulk_update(postings, ["current_attempt"])


def _completed(*steps):
    at = timezone.now().isoformat()
    data = {step: {"completed_at": at} for step in steps}
    data.setdefault("logo", {})["skipped"] = True
    return data


def wizard():
    """A posting waiting at each step, all owned by one browser session."""
    now = timezone.now()
    logo = JobPosting.objects.create()  # a new draft: the logo step
    details = JobPosting.objects.create(status="logo_ready", step_data=_completed("logo"))
    payment = JobPosting.objects.create(
        status=Status.READY_TO_PAY, step_data=_completed("logo", "details"), **DETAILS
    )
    # The details POST saves this one again and again (its status does not change).
    details_post = JobPosting.objects.create(
        status=Status.READY_TO_PAY, step_data=_completed("logo", "details"), **DETAILS
    )
    confirmation = JobPosting.objects.create(
        status=Status.IN_REVIEW,
        step_data=_completed("logo", "details"),
        paid_at=now,
        confirmed_at=now,
        **DETAILS,
    )
    paid([confirmation], now)
    Job.objects.create(
        posting=confirmation,
        kind=EMAIL,
        name=Email.CONFIRMATION,
        key=f"{EMAIL}:{Email.CONFIRMATION}:{confirmation.pk}",
        state=Job.State.SENT,
        attempts=1,
        target=confirmation.contact_email,
        started_at=now,
        sent_at=now,
    )
    # The webhook's events name this one (the view looks the posting up).
    webhook = JobPosting.objects.create(
        status=Status.READY_TO_PAY, step_data=_completed("logo", "details"), **DETAILS
    )
    owned = [logo, details, payment, details_post, confirmation]
    at_step = {"logo": logo, "details": details, "payment": payment, "confirmation": confirmation}
    session = SessionStore()
    session[SESSION_KEY] = [str(posting.pk) for posting in owned]
    session.create()
    csrf_secret = _get_new_csrf_string()
    return {
        "session_key": session.session_key,
        "csrf_cookie": csrf_secret,
        "csrf_token": _mask_cipher_secret(csrf_secret),
        "postings": {
            "logo": str(logo.pk),
            "details": str(details.pk),
            "payment": str(payment.pk),
            "confirmation": str(confirmation.pk),
            "details_post": str(details_post.pk),
            "webhook": str(webhook.pk),
        },
        "details_form": DETAILS_FORM,
        "step_pages": step_pages(at_step, ready=payment),
    }


def step_pages(at_step, ready):
    """Every page of every step the flow shows, asked of the flow, each once:
    [{"step": name, "page": what tells it from the step's first page, "path": …}].

    A step's own URL, for the posting waiting at it (`at_step`, or `ready`, whose steps
    before payment are all done, for a step the seed does not know); then the pages its
    answers are changed on (Step.change_url: a step made of sub-pages has one per
    answer), for `ready`, on which every sub-page can be shown."""
    pages, seen = [], set()
    before_payment = FLOW.before_payment(ready)
    for step in FLOW.applicable(ready):
        own = at_step.get(step.name, ready)
        candidates = [(own, step.url(own))]
        if step in before_payment:
            candidates += [(ready, answer.change_url) for answer in step.answers(ready)]
        for posting, url in candidates:
            parts = urllib.parse.urlsplit(url)
            query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "change"]
            path = parts.path + (f"?{urllib.parse.urlencode(query)}" if query else "")
            page = path.replace(str(posting.pk), "").removeprefix(
                step.url(posting).replace(str(posting.pk), "")
            )
            if (step.name, page) not in seen:
                seen.add((step.name, page))
                pages.append({"step": step.name, "page": page, "path": path})
    return pages


# --- The big board ---------------------------------------------------------------------


def board(size):
    """`size` published postings (bench.board_data), newest published first."""
    batch = published_postings(size)
    with transaction.atomic():
        JobPosting.objects.bulk_create(batch, batch_size=500)
    # A job in the middle of the board, as a search engine's visitor would open.
    return {"job_slug": batch[size // 2].slug, "board_size": size}


# --- A returning employer -----------------------------------------------------------------

# What "Your postings" lists, in turn: every group it shows, a step's own status among them.
ACCOUNT_STATUSES = [
    Status.PUBLISHED,
    Status.EXPIRED,
    Status.DRAFT,
    "logo_ready",
    Status.READY_TO_PAY,
    Status.AWAITING_PAYMENT,
    Status.IN_REVIEW,
    Status.REJECTED,
    Status.REFUNDED,
]


def account(count):
    """An employer with `count` postings of every kind (the live and ended ones with their
    numbers, the paid ones with their payment) and a browser session signed in to it."""
    now = timezone.now()
    employer = Employer.objects.create(email="returning@acme.example", company_name="Acme")
    postings = []
    for number in range(count):
        status = ACCOUNT_STATUSES[number % len(ACCOUNT_STATUSES)]
        before_payment = status in (
            Status.DRAFT,
            "logo_ready",
            Status.READY_TO_PAY,
            Status.AWAITING_PAYMENT,
        )
        fields = {} if status == Status.DRAFT else DETAILS
        on_board = status in (Status.PUBLISHED, Status.EXPIRED)
        postings.append(
            JobPosting(
                employer=employer,
                status=status,
                step_data=_completed("logo", *([] if status == Status.DRAFT else ["details"])),
                paid_at=None if before_payment else now,
                published_at=now - timedelta(days=number % 30) if on_board else None,
                expires_at=now + timedelta(days=30 - number % 30) if on_board else None,
                slug=f"bench-account-{number}" if on_board else None,
                rejection_reason="Not a real job." if status == Status.REJECTED else "",
                **{**fields, "title": f"{fields.get('title', 'Draft')} #{number}"},
            )
        )
    with transaction.atomic():
        JobPosting.objects.bulk_create(postings)
        paid([p for p in postings if p.paid_at], now, session_id="cs_test_bench_account")
        DailyNumbers.objects.bulk_create(
            DailyNumbers(posting=posting, day=now.date() - timedelta(days=day), views=40 + day)
            for posting in postings
            if posting.published_at
            for day in range(7)
        )
    session = SessionStore()
    session[EMPLOYER_KEY] = {"id": employer.pk, "nonce": employer.session_nonce}
    session.create()
    return {"session_key": session.session_key, "postings": count}


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "wizard":
        result = wizard()
    elif what == "board":
        result = board(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
    elif what == "account":
        result = account(int(sys.argv[2]) if len(sys.argv) > 2 else 200)
    else:
        sys.exit(f"unknown seed {what!r}: wizard, board or account")
    print(json.dumps(result))
