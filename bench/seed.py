"""Data for the benchmark, written straight into the database it is pointed at.

    python -m bench.seed wizard   # drafts at each step, one browser session owning them
    python -m bench.seed board    # 10,000 published postings (BENCH_BOARD_SIZE)

Each prints what the requests need as one JSON object on stdout: the session cookie,
a CSRF cookie and token, the postings' ids, a job's slug.
"""

import json
import random
import sys
from datetime import timedelta

import django

django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # noqa: E402
from django.utils import timezone  # noqa: E402

from wizard.effects.email import KIND as EMAIL  # noqa: E402
from wizard.effects.email import Email  # noqa: E402
from wizard.effects.models import Effect  # noqa: E402
from wizard.flow.ownership import SESSION_KEY  # noqa: E402
from wizard.postings.models import JobPosting, Status  # noqa: E402

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
        price_amount=9900,
        price_currency="usd",
        payment_attempt=1,
        checkout_session_id="cs_test_bench",
        payment_intent_id="pi_test_bench",
        paid_at=now,
        confirmed_at=now,
        **DETAILS,
    )
    Effect.objects.create(
        posting=confirmation,
        kind=EMAIL,
        name=Email.CONFIRMATION,
        key=f"{EMAIL}:{Email.CONFIRMATION}:{confirmation.pk}",
        state=Effect.State.SENT,
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
    }


# --- The big board ---------------------------------------------------------------------

ROLES = [
    ("Backend Engineer", ["Python", "Django", "PostgreSQL", "Celery", "REST APIs"]),
    ("Frontend Developer", ["TypeScript", "React", "CSS", "accessibility", "Vite"]),
    ("Data Engineer", ["Python", "Airflow", "dbt", "Snowflake", "Kafka"]),
    ("Site Reliability Engineer", ["Kubernetes", "Terraform", "Prometheus", "Linux", "Go"]),
    ("Product Designer", ["Figma", "user research", "design systems", "prototyping"]),
    ("Mobile Developer", ["Kotlin", "Swift", "Flutter", "offline sync", "CI"]),
    ("Machine Learning Engineer", ["PyTorch", "MLOps", "feature stores", "Python"]),
    ("Engineering Manager", ["hiring", "coaching", "roadmaps", "incident reviews"]),
    ("QA Engineer", ["Playwright", "pytest", "test plans", "exploratory testing"]),
    ("Technical Writer", ["Markdown", "API references", "tutorials", "docs-as-code"]),
    ("Support Engineer", ["SQL", "customer calls", "runbooks", "Zendesk"]),
    ("Security Engineer", ["threat modelling", "OWASP", "SIEM", "pen testing"]),
]
LEVELS = ["Junior", "", "Senior", "Staff", "Lead", "Principal"]
COMPANIES = [
    "Acme Analytics",
    "Northwind Logistics",
    "Blue Harbor Health",
    "Tandem Bank",
    "Kestrel Robotics",
    "Orchard Foods",
    "Lumen Energy",
    "Papertrail Media",
    "Granite Insurance",
    "Fjord Travel",
    "Quill Legal",
    "Beacon Education",
]
# (workplace, city, country, applicant countries): offices, and remote jobs open to some.
LOCATIONS = [
    ("on_site", "Berlin", "DE", []),
    ("hybrid", "London", "GB", []),
    ("on_site", "Amsterdam", "NL", []),
    ("hybrid", "Paris", "FR", []),
    ("on_site", "Lisbon", "PT", []),
    ("hybrid", "Toronto", "CA", []),
    ("on_site", "New York", "US", []),
    ("hybrid", "Austin", "US", []),
    ("on_site", "Sydney", "AU", []),
    ("hybrid", "Dublin", "IE", []),
    ("remote", "", "", ["DE", "FR", "NL"]),
    ("remote", "", "", ["US", "CA"]),
]
SENTENCES = [
    "You will join a team of {n} people who own the {thing} end to end.",
    "Most of our work is in {skill} and {skill2}; you will learn the rest with us.",
    "We ship small changes many times a day and review every one of them.",
    "Our customers are {customers}, and they notice when things break.",
    "You have at least {years} years of experience with {skill}.",
    "Experience with {skill2} is a plus, not a requirement.",
    "We care about clear writing, calm incident reviews and sustainable hours.",
    "The hiring process has three conversations and a small paid exercise.",
    "We offer a learning budget, a home-office allowance and {holidays} days of holiday.",
    "You will pair with other engineers often and mentor when you are ready.",
    "Our stack is boring on purpose: {skill}, {skill2} and a relational database.",
    "On call is shared by the whole team, one week in {n}, and paid.",
]
THINGS = ["billing system", "search service", "mobile app", "data pipeline", "public API"]
CUSTOMERS = ["small shops", "hospitals", "schools", "logistics firms", "city councils"]


def _description(rng, skills):
    paragraphs = []
    for _ in range(rng.randint(3, 5)):
        sentences = rng.sample(SENTENCES, rng.randint(3, 5))
        paragraphs.append(
            " ".join(
                sentence.format(
                    n=rng.randint(3, 12),
                    thing=rng.choice(THINGS),
                    skill=rng.choice(skills),
                    skill2=rng.choice(skills),
                    customers=rng.choice(CUSTOMERS),
                    years=rng.randint(2, 8),
                    holidays=rng.randint(25, 32),
                )
                for sentence in sentences
            )
        )
    return "\n\n".join(paragraphs)


def board(size):
    """`size` published postings, newest published first, spread over the last 30 days."""
    rng = random.Random(11)
    now = timezone.now()
    batch = []
    for number in range(size):
        role, skills = rng.choice(ROLES)
        level = rng.choice(LEVELS)
        title = f"{level} {role}".strip()
        company = rng.choice(COMPANIES)
        low = rng.randrange(40_000, 120_000, 5_000) if rng.random() < 0.7 else None
        published_at = now - timedelta(minutes=number * 4 + rng.randint(0, 3))
        batch.append(
            JobPosting(
                status=Status.PUBLISHED,
                step_data=_completed("logo", "details"),
                company_name=company,
                title=title,
                **dict(
                    zip(
                        ["workplace", "city", "country", "applicant_countries"],
                        rng.choice(LOCATIONS),
                        strict=True,
                    )
                ),
                employment_type=rng.choice(
                    ["full_time"] * 6 + ["part_time", "contract", "temporary", "internship"]
                ),
                salary_min=low,
                salary_max=low + rng.randrange(5_000, 40_000, 5_000) if low else None,
                salary_currency=rng.choice(["usd", "eur", "gbp"]) if low else "",
                description=_description(rng, skills),
                apply_url=f"https://careers.example/{number}",
                contact_email=f"hiring{number}@careers.example",
                price_amount=9900,
                price_currency="usd",
                payment_intent_id=f"pi_bench_{number}",
                paid_at=published_at - timedelta(hours=2),
                confirmed_at=published_at - timedelta(hours=2),
                published_at=published_at,
                expires_at=published_at + timedelta(days=30),
                slug=f"bench-{number}-{title.lower().replace(' ', '-')}",
            )
        )
    with transaction.atomic():
        JobPosting.objects.bulk_create(batch, batch_size=500)
    # A job in the middle of the board, as a search engine's visitor would open.
    return {"job_slug": batch[size // 2].slug, "board_size": size}


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "wizard":
        result = wizard()
    elif what == "board":
        result = board(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
    else:
        sys.exit(f"unknown seed {what!r}: wizard or board")
    print(json.dumps(result))
