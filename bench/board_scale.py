"""The board at a million postings: page 1, page 50, filtered pages and full-text searches,
cold and warm, in process, on PostgreSQL (issue 21).

    .venv/bin/python -m bench.board_scale                       # 1,000,000 postings
    .venv/bin/python -m bench.board_scale --postings 200000 --runs 10
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python -m bench.board_scale

It migrates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jw_bench1m, which must exist: `createdb -h 127.0.0.1
-U postgres jw_bench1m`) and, unless it already holds exactly the postings this script
makes (their count and slugs), replaces every posting with N of them in one server-side
`INSERT … SELECT … FROM generate_series` (`seed`; a few minutes for a million on a
2-core machine: the text, its search vector and a dozen indexes), then runs VACUUM
ANALYZE. A database seeded once is reused by every later run.

The postings: 60 % published in the last 30 days, 25 % expired, the rest drafts, in
review, rejected or abandoned; 1 % featured; titles, companies, places and skills from
bench.board_data's fixed lists; descriptions of 80 to 240 words (0.5 to 1.5 KB) from its
word list, with three skills each ("python" is in about a fifth of them) and "Haskell" in
one in 9,973 (the rare word); a fixed random seed, so runs compare.

Each page is measured as bench/board_queries.py does (Django's test client, the whole
middleware stack, "x bare" against a bare view interleaved with the warm requests):
"first" is the first request of the URL in this process (the page cache empty; the
database's buffers as the seed or the last run left them: the OS's file cache cannot be
dropped here, so a truly cold disk would be slower), "cold" the mean with a new version
of the board before each request (rendered from the database every time), "warm" from
the page cache.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jw_bench1m")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DEBUG", "true")  # local defaults (no SECRET_KEY needed)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench import board_data  # noqa: E402
from bench.board_queries import BARE, forget_the_board, measure  # noqa: E402
from wizard.models import JobPosting  # noqa: E402

SLUG_PREFIX = "scale-"
RARE_WORD, RARE_EVERY = "Haskell", 9973

PAGES = [
    ("board page 1", "/"),
    ("board page 50", "/?page=50"),
    ("?location=Berlin&workplace=hybrid", "/?location=Berlin&workplace=hybrid"),
    ("?workplace=remote page 2", "/?workplace=remote&page=2"),
    ("?q=python (common)", "/?q=python"),
    ("?q=haskell (rare)", "/?q=haskell"),
    ("?q=python django", "/?q=python+django"),
    ("?q=python page 50", "/?q=python&page=50"),
    ("?location=Atlantis (none)", "/?location=Atlantis"),
]

# One statement, run by the server: no row crosses the network.
SEED_SQL = """
INSERT INTO wizard_jobposting (
    id, status, title, company_name, logo, workplace, city, region, country,
    applicant_countries, employment_type, salary_min, salary_max, salary_currency,
    description, apply_url, apply_email, contact_email, price_currency, payment_attempt,
    checkout_session_id, payment_intent_id, created_at, updated_at, last_error_message,
    last_error_detail, resume_nonce, rejection_reason, step_data, manage_nonce, currency,
    featured, published_at, expires_at, paid_at, confirmed_at, slug
)
SELECT
    gen_random_uuid(), status, title, company, '', workplace,
    CASE WHEN workplace = 'remote' THEN '' ELSE place[1] END,
    CASE WHEN workplace = 'remote' THEN '' ELSE place[2] END,
    CASE WHEN workplace = 'remote' THEN '' ELSE place[3] END,
    CASE WHEN workplace = 'remote' THEN applicants ELSE '' END,
    employment_type, salary, salary + 10000 * (g %% 4), (ARRAY['eur', 'usd', 'gbp'])[1 + g %% 3],
    description, 'https://jobs.example.com/' || g, '', 'hiring' || g || '@example.com', '', 1,
    '', '', moment - interval '1 hour', moment, '', '', '', '', '{"logo": {"skipped": true}}',
    '', 'eur', featured AND status = 'published',
    CASE WHEN status IN ('published', 'expired') THEN moment END,
    CASE WHEN status IN ('published', 'expired') THEN moment + interval '30 days' END,
    CASE WHEN status IN ('published', 'expired') THEN moment - interval '2 hours' END,
    CASE WHEN status IN ('published', 'expired') THEN moment - interval '2 hours' END,
    %(prefix)s || g
FROM (
    SELECT
        g,
        CASE
            WHEN r < 0.60 THEN 'published' WHEN r < 0.85 THEN 'expired'
            WHEN r < 0.93 THEN 'draft' WHEN r < 0.96 THEN 'in_review'
            WHEN r < 0.98 THEN 'rejected' ELSE 'abandoned'
        END AS status,
        CASE
            WHEN r < 0.60 THEN now() - random() * interval '30 days'
            WHEN r < 0.85 THEN now() - interval '30 days' - random() * interval '300 days'
            ELSE now() - random() * interval '10 days'
        END AS moment,
        random() < 0.01 AS featured,
        (%(levels)s::text[])[1 + floor(random() * %(n_levels)s)::int]
            || (%(roles)s::text[])[1 + floor(random() * %(n_roles)s)::int] AS title,
        (%(companies)s::text[])[1 + floor(random() * %(n_companies)s)::int] AS company,
        (ARRAY['on_site', 'on_site', 'on_site', 'on_site', 'hybrid', 'hybrid', 'hybrid',
               'remote', 'remote', 'remote'])[1 + floor(random() * 10)::int] AS workplace,
        ARRAY[(%(cities)s::text[])[place], (%(regions)s::text[])[place],
              (%(place_countries)s::text[])[place]] AS place,
        (SELECT string_agg(c, ',') FROM (
            SELECT DISTINCT (%(countries)s::text[])[1 + floor(random() * %(n_countries)s)::int] AS c
            FROM generate_series(1, 1 + g %% 4)) u) AS applicants,
        (ARRAY['full_time', 'full_time', 'full_time', 'full_time', 'full_time', 'full_time',
               'part_time', 'contract'])[1 + floor(random() * 8)::int] AS employment_type,
        (40 + floor(random() * 80)::int) * 1000 AS salary,
        (SELECT upper(left(text, 1)) || substr(text, 2) FROM (
            SELECT string_agg((%(words)s::text[])[1 + floor(random() * %(n_words)s)::int], ' ')
            FROM generate_series(1, 80 + g %% 161)) w(text))
        || E'.\n\n## What you will do\n\n'
        || (SELECT string_agg('- Work with ' || s, E'\n') FROM (
                SELECT (%(skills)s::text[])[1 + floor(random() * %(n_skills)s)::int] AS s
                FROM generate_series(1, 3 + 0 * g)) k)
        || CASE WHEN g %% %(rare_every)s = 0 THEN E'\n\nWe also use ' || %(rare)s || '.' ELSE '' END
        || E'\n\n## What we offer\n\n1. A fair salary\n2. Remote days\n3. Time to learn\n'
            AS description
    FROM (
        SELECT g, random() AS r, 1 + floor(random() * %(n_cities)s)::int AS place
        FROM generate_series(1, %(count)s) g
    ) numbers
) rows
"""


def seeded(count):
    """Whether the table holds exactly the `count` postings `seed` makes."""
    total = JobPosting.objects.count()
    return total == count and JobPosting.objects.filter(slug=f"{SLUG_PREFIX}{count}").exists()


def seed(count):
    """Replace every posting with `count` made by the server (SEED_SQL), fixed seed."""
    lists = {
        "levels": board_data.LEVELS,
        "roles": board_data.ROLES,
        "companies": board_data.COMPANIES,
        "cities": [city for city, _, _ in board_data.PLACES],
        "regions": [region for _, region, _ in board_data.PLACES],
        "place_countries": [country for _, _, country in board_data.PLACES],
        "countries": board_data.APPLICANT_COUNTRIES,
        "skills": board_data.SKILLS,
        "words": board_data.WORDS,
    }
    params = {name: values for name, values in lists.items()}
    params.update({f"n_{name}": len(values) for name, values in lists.items()})
    params.update(count=count, prefix=SLUG_PREFIX, rare=RARE_WORD, rare_every=RARE_EVERY)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE wizard_jobposting CASCADE")
        cursor.execute("SELECT setseed(0.11)")
        cursor.execute(SEED_SQL, params)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sql", action="store_true", help="list each cold query's time")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL: the issue measures PostgreSQL.")
    call_command("migrate", verbosity=0)
    if not seeded(args.postings):
        print(f"Seeding {args.postings:,} postings…", flush=True)
        start = time.perf_counter()
        seed(args.postings)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {JobPosting._meta.db_table}")
        print(f"seeded and vacuumed in {time.perf_counter() - start:.0f} s", flush=True)
    with connection.cursor() as cursor:
        # As autovacuum leaves the table: statistics, those of new indexes included.
        cursor.execute(f"ANALYZE {JobPosting._meta.db_table}")
    published = JobPosting.objects.published().count()
    featured = JobPosting.objects.published().filter(featured=True).count()
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"{args.postings:,} postings ({published:,} published, {featured:,} of them featured) "
        f"on PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"cache {cache_backend}, mean of {args.runs} requests (Django test client)\n"
    )
    with override_settings(ROOT_URLCONF="bench.board_queries", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        for _ in range(20):  # warm up imports, templates, connections
            client.get(BARE)
        bare_ms, *_ = measure(client, BARE, args.runs * 5, clear=False)
        print(f"bare view: {bare_ms:.2f} ms mean ({1000 / bare_ms:.0f} req/s)\n")
        header = (
            f"{'page':<34} {'first ms':>8} {'cold ms':>8} {'median':>7} {'queries':>7}   "
            f"{'warm ms':>8} {'x bare':>9}"
        )
        print(header)
        print("-" * len(header))
        for name, url in PAGES:
            forget_the_board()
            first, *_ = measure(client, url, 1, clear=True)
            cold, cold_median, cold_queries, cold_response = measure(
                client, url, args.runs, clear=True
            )
            warm, warm_median, _, response = measure(
                client, url, args.runs, clear=False, yardstick=BARE
            )
            bare_mean, bare_median = response.yardstick
            ratio = f"{bare_mean / warm:.2f}/{bare_median / warm_median:.2f}"
            print(
                f"{name:<34} {first:8.1f} {cold:8.1f} {cold_median:7.1f} {cold_queries:7d}   "
                f"{warm:8.2f} {ratio:>9}",
                flush=True,
            )
            if args.sql:
                for query in cold_response.queries:
                    print(f"    {float(query['time']) * 1000:7.2f} ms  {query['sql'][:150]}")


if __name__ == "__main__":
    main()
