"""The public board's cost per page: time and SQL queries, in process, on PostgreSQL.

    .venv/bin/python bench/board_queries.py                # 10,000 postings, mean of 20
    .venv/bin/python bench/board_queries.py --runs 50 --postings 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/board_queries.py

It migrates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jw_board, which must exist: `createdb -h 127.0.0.1 -U
postgres jw_board`), and, unless it already holds exactly that many, replaces every
posting with N published ones (bulk_create; descriptions of 1 to 3 KB of Markdown,
titles, companies, places and workplaces drawn from fixed lists with a fixed seed), and
runs VACUUM ANALYZE on it, as autovacuum would in production. Then, with Django's test
client (the whole middleware stack, no network), it requests each page
`--runs` times and prints the mean, the median and the queries of one request:

- "cold": a new version of the board before each request, as a change of any published
  posting makes (every request renders from the database; the Markdown renderer's
  per-process memo stays warm, as in a process that has served the page before);
- "warm": the same URL again and again, as most visitors get it;
- "304": a revalidation with the ETag of the warm response.

A bare view (HttpResponse("ok") through the same middleware) gives the yardstick in the
same run: "x bare" is its time over the page's, warm, by mean and by median (mean/median:
the median ignores the odd pause of a shared machine), each page request preceded by one
to the bare view so that both meet the same load (1.0 = as fast as the bare view, i.e. as
many requests a second; the target of issue 11 is at least 0.5 for the board's first page
and a job page). The cache is whatever the settings give (CACHE_URL; see the README), e.g.
CACHE_URL=redis://127.0.0.1:6379/0 for production's shape.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jw_board")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DEBUG", "true")  # local defaults (no SECRET_KEY needed)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from wizard.models import JobPosting, Status  # noqa: E402


def bare(request):
    return HttpResponse("ok")


# This module is the URLconf while it measures: the site's URLs, and the bare view.
urlpatterns = [path("_bench/bare/", bare), path("", include("config.urls"))]
BARE = "/_bench/bare/"

ROLES = [
    "Python Developer",
    "Senior Django Engineer",
    "Backend Engineer",
    "Frontend Developer",
    "Data Engineer",
    "DevOps Engineer",
    "Site Reliability Engineer",
    "Product Designer",
    "Engineering Manager",
    "Machine Learning Engineer",
    "Go Developer",
    "Rust Engineer",
    "Full-stack Developer",
    "QA Engineer",
    "Technical Writer",
    "Data Analyst",
    "Security Engineer",
    "Mobile Developer (iOS)",
    "Android Developer",
    "Support Engineer",
]
LEVELS = ["", "Junior ", "Senior ", "Lead ", "Staff ", "Principal "]
COMPANIES = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Hooli",
    "Pied Piper",
    "Stark Industries",
    "Wayne Tech",
    "Soylent Systems",
    "Cyberdyne",
    "Tyrell Data",
    "Vandelay Imports",
    "Wonka Software",
    "Oceanic Cloud",
    "Black Mesa",
    "Aperture Science",
    "Massive Dynamic",
    "Gringotts Fintech",
    "Nakatomi Trading",
    "Monarch Health",
]
PLACES = [
    ("Berlin", "", "DE"),
    ("Munich", "Bavaria", "DE"),
    ("Hamburg", "", "DE"),
    ("London", "", "GB"),
    ("Manchester", "", "GB"),
    ("Paris", "", "FR"),
    ("Lyon", "", "FR"),
    ("Amsterdam", "", "NL"),
    ("Lisbon", "", "PT"),
    ("Madrid", "", "ES"),
    ("Barcelona", "Catalonia", "ES"),
    ("Vienna", "", "AT"),
    ("Zurich", "", "CH"),
    ("Stockholm", "", "SE"),
    ("Warsaw", "", "PL"),
    ("Austin", "TX", "US"),
    ("New York", "NY", "US"),
    ("San Francisco", "CA", "US"),
    ("Toronto", "ON", "CA"),
    ("Sydney", "NSW", "AU"),
]
APPLICANT_COUNTRIES = ["DE", "FR", "GB", "NL", "ES", "PT", "AT", "PL", "US", "CA"]
SKILLS = [
    "Python",
    "Django",
    "PostgreSQL",
    "Redis",
    "Kubernetes",
    "Terraform",
    "TypeScript",
    "React",
    "Go",
    "Rust",
    "AWS",
    "GCP",
    "Kafka",
    "Spark",
    "dbt",
    "Figma",
    "Swift",
    "Kotlin",
    "Linux",
    "CI/CD",
]
WORDS = (
    "we build reliable software for customers around the world and our team values "
    "clear writing careful reviews and steady delivery you will own services end to end "
    "from design to production work closely with product and design mentor colleagues "
    "improve our tooling and help us scale the platform as we grow the role offers "
    "flexible hours a learning budget good equipment and a calm place to do focused work "
    "our stack is modern but boring on purpose and we prefer simple solutions that last"
).split()


def description(rng):
    """A job description of 1 to 3 KB of Markdown: paragraphs, a heading, two lists."""
    target = rng.randint(1000, 3000)
    skills = rng.sample(SKILLS, 5)
    parts = []
    while sum(map(len, parts)) < target:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24)))
        parts.append(sentence.capitalize() + ".")
        if rng.random() < 0.3:
            parts.append(f"You know **{rng.choice(skills)}** well.")
    middle = len(parts) // 2
    return (
        " ".join(parts[:middle])
        + "\n\n## What you will do\n\n"
        + "\n".join(f"- Work with {skill}" for skill in skills[:3])
        + "\n\n"
        + " ".join(parts[middle:])
        + "\n\n## What we offer\n\n1. A fair salary\n2. Remote days\n3. Time to learn\n"
    )


def seed(count):
    """Replace every posting with `count` published ones (fixed seed)."""
    rng = random.Random(11)
    now = timezone.now()
    JobPosting.objects.all().delete()
    batch = []
    for n in range(count):
        city, region, country = rng.choice(PLACES)
        workplace = rng.choices(["on_site", "hybrid", "remote"], weights=[4, 3, 3])[0]
        role = rng.choice(LEVELS) + rng.choice(ROLES)
        company = rng.choice(COMPANIES)
        published_at = now - timedelta(minutes=n * 4 + rng.randint(0, 3))
        location = (
            {
                "city": "",
                "region": "",
                "country": "",
                "applicant_countries": rng.sample(APPLICANT_COUNTRIES, rng.randint(1, 4)),
            }
            if workplace == "remote"
            else {"city": city, "region": region, "country": country}
        )
        low = rng.randrange(40, 120) * 1000
        batch.append(
            JobPosting(
                status=Status.PUBLISHED,
                title=role,
                company_name=company,
                workplace=workplace,
                **location,
                employment_type=rng.choice(["full_time"] * 6 + ["part_time", "contract"]),
                salary_min=low,
                salary_max=low + rng.randrange(0, 40) * 1000,
                salary_currency=rng.choice(["eur", "usd", "gbp"]),
                description=description(rng),
                apply_url=f"https://jobs.example.com/{n}",
                contact_email=f"hiring{n}@example.com",
                step_data={"logo": {"skipped": True}},
                published_at=published_at,
                expires_at=published_at + timedelta(days=30),
                slug=f"bench-job-{n}",
            )
        )
    JobPosting.objects.bulk_create(batch, batch_size=1000)


def forget_the_board():
    """What a change of a published posting does to the cache: a new version of the board
    (before issue 11, with no such cache, emptying the cache did the same: nothing)."""
    try:
        from wizard.board.cache import bump
    except ImportError:
        caches["default"].clear()
    else:
        bump()


def measure(client, url, runs, *, clear, headers=None, yardstick=None):
    """Mean and median milliseconds of `runs` requests, the queries of the last one, and
    its response. With a `yardstick` URL, each request is preceded by one to it, and
    the response carries their mean too (`yardstick_ms`): both suffer the same noise of a
    shared machine."""
    times, yardstick_times = [], []
    response = None
    for _ in range(runs):
        if yardstick:
            start = time.perf_counter()
            client.get(yardstick)
            yardstick_times.append((time.perf_counter() - start) * 1000)
        if clear:
            forget_the_board()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, **(headers or {}))
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 304), (url, response.status_code)
    response.queries = queries.captured_queries
    response.yardstick = (
        (statistics.fmean(yardstick_times), statistics.median(yardstick_times))
        if yardstick_times
        else None
    )
    return statistics.fmean(times), statistics.median(times), len(queries), response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sql", action="store_true", help="list each cold query's time")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL: the issue measures PostgreSQL.")
    call_command("migrate", verbosity=0)
    if JobPosting.objects.published().count() != args.postings or (
        JobPosting.objects.count() != args.postings
    ):
        print(f"Seeding {args.postings} published postings…", flush=True)
        seed(args.postings)
    # As autovacuum leaves a table in production: statistics, and the visibility map that
    # index-only scans need.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {JobPosting._meta.db_table}")
    job = JobPosting.objects.published().order_by("-published_at").values_list("slug", flat=True)
    slug = job[args.postings // 3]
    pages = [
        ("board page 1", "/"),
        ("board page 50", "/?page=50"),
        ("?q=python", "/?q=python"),
        ("?location=Berlin", "/?location=Berlin"),
        ("?workplace=remote", "/?workplace=remote"),
        ("htmx ?q=python", "/?q=python"),
        ("feed", "/jobs/feed/"),
        ("job page", f"/jobs/{slug}/"),
    ]
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"{args.postings} published postings on PostgreSQL "
        f"{connection.cursor().connection.info.server_version}, cache {cache_backend}, "
        f"mean of {args.runs} requests (Django test client, in process)\n"
    )
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        for _ in range(20):  # warm up imports, templates, connections
            client.get(BARE)
        bare_ms, *_ = measure(client, BARE, args.runs * 5, clear=False)
        print(f"bare view: {bare_ms:.2f} ms mean ({1000 / bare_ms:.0f} req/s)\n")
        header = (
            f"{'page':<19} {'cold ms':>8} {'median':>7} {'queries':>7}   "
            f"{'warm ms':>8} {'median':>7} {'queries':>7} {'x bare':>9}   "
            f"{'304 ms':>7} {'queries':>7}"
        )
        print(header)
        print("-" * len(header))
        for name, url in pages:
            headers = {"HTTP_HX_REQUEST": "true"} if name.startswith("htmx") else {}
            client.get(url, **headers)  # the template and the Markdown memo warm
            cold, cold_median, cold_queries, cold_response = measure(
                client, url, args.runs, clear=True, headers=headers
            )
            warm, warm_median, warm_queries, response = measure(
                client, url, args.runs, clear=False, headers=headers, yardstick=BARE
            )
            etag = response.get("ETag")
            if etag:
                not_modified, _, nm_queries, _ = measure(
                    client,
                    url,
                    args.runs,
                    clear=False,
                    headers={**headers, "HTTP_IF_NONE_MATCH": etag},
                )
                nm = f"{not_modified:7.2f} {nm_queries:7d}"
            else:
                nm = f"{'-':>7} {'-':>7}"
            bare_mean, bare_median = response.yardstick
            ratio = f"{bare_mean / warm:.2f}/{bare_median / warm_median:.2f}"
            print(
                f"{name:<19} {cold:8.2f} {cold_median:7.2f} {cold_queries:7d}   "
                f"{warm:8.2f} {warm_median:7.2f} {warm_queries:7d} {ratio:>9}   {nm}"
            )
            if args.sql:
                for query in cold_response.queries:
                    print(f"    {float(query['time']) * 1000:7.2f} ms  {query['sql'][:150]}")


if __name__ == "__main__":
    main()
