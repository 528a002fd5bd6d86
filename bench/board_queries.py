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
and a job page). The cache is whatever the settings give (CACHE_URL; see
docs/configuration.md), e.g. CACHE_URL=redis://127.0.0.1:6379/0 for production's shape.
"""

import argparse
import os
import statistics
import sys
import time
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

from bench.board_data import published_postings  # noqa: E402
from wizard.models import JobPosting  # noqa: E402


def bare(request):
    return HttpResponse("ok")


# This module is the URLconf while it measures: the site's URLs, and the bare view.
urlpatterns = [path("_bench/bare/", bare), path("", include("config.urls"))]
BARE = "/_bench/bare/"


def seed(count):
    """Replace every posting with `count` published ones (bench.board_data)."""
    JobPosting.objects.all().delete()
    JobPosting.objects.bulk_create(published_postings(count), batch_size=1000)


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
