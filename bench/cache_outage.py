"""The board's first page while its cache is healthy, stopped or hung (issue 18).

    .venv/bin/python bench/cache_outage.py              # 200 requests a case
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/cache_outage.py

It migrates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jw_ops_cache, which must exist), fills it with
`--postings` published postings (bench.board_data) unless it holds exactly that many, and
requests `/` `--runs` times with Django's test client (in process, the whole middleware
stack) against each cache:

- healthy: Redis at CACHE_URL (default redis://127.0.0.1:6379/7), its page cached;
- stopped: a port where nothing listens (connections refused);
- hung: a local server that accepts connections and never answers (tests/hung_server.py);
- hung, no breaker: the same with CACHE_RETRY_AFTER_SECONDS=0, so every request waits for
  its timeout (what the breaker saves);
- no cache: dummy://, every request rendered from the database.

It prints the time of the first request (which meets the trouble first, or caches the
page), then the median, mean, 99th percentile and maximum of the others, and how many times the
client connected to the hung server. The timeouts are the settings' (CACHE_TIMEOUT_SECONDS,
CACHE_CONNECT_TIMEOUT_SECONDS).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jw_ops_cache")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")  # one warning a failed request otherwise
os.environ.setdefault("DEBUG", "true")  # local defaults (no SECRET_KEY needed)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench.board_data import published_postings  # noqa: E402
from config.settings import cache_from_url  # noqa: E402
from tests.hung_server import hung_server, stopped_url  # noqa: E402
from wizard.models import JobPosting  # noqa: E402


def timings(url, runs):
    """The milliseconds of the first request (the one that meets the cache's trouble
    first, or caches the page) and of the `runs` after it."""
    client = Client()
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times[0], times[1:]


def cache(url, **overrides):
    return override_settings(CACHES={"default": cache_from_url(url)}, **overrides)


def report(name, measured, note=""):
    first, times = measured
    times = sorted(times)
    p99 = times[min(len(times) - 1, round(len(times) * 0.99))]
    print(
        f"{name:<18} {first:8.2f} {statistics.median(times):8.2f} {statistics.fmean(times):8.2f} "
        f"{p99:8.2f} {times[-1]:8.2f}  {note}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=100)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if JobPosting.objects.count() != args.postings:
        JobPosting.objects.all().delete()
        JobPosting.objects.bulk_create(published_postings(args.postings))
    redis_url = os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/7")
    print(
        f"{args.postings} published postings on {django.db.connection.vendor}, "
        f"/ requested {args.runs} times a case; timeouts: connect "
        f"{settings.CACHE_CONNECT_TIMEOUT_SECONDS:g} s, read {settings.CACHE_TIMEOUT_SECONDS:g} s, "
        f"breaker {settings.CACHE_RETRY_AFTER_SECONDS:g} s\n"
    )
    print(f"{'cache':<18} {'first':>8} {'median':>8} {'mean':>8} {'p99':>8} {'max':>8}  (ms)")
    # DEBUG off for the requests, as in production (no query log).
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        with cache(redis_url):
            report("healthy", timings("/", args.runs), redis_url)
        with cache(stopped_url()):
            report("stopped", timings("/", args.runs), "connection refused")
        with hung_server() as server, cache(server.url):
            measured = timings("/", args.runs)
            report("hung", measured, f"{len(server.connections)} connections")
        with hung_server() as server, cache(server.url, CACHE_RETRY_AFTER_SECONDS=0):
            measured = timings("/", min(args.runs, 40))
            report("hung, no breaker", measured, f"{len(server.connections)} connections")
        with cache("dummy://"):
            report("no cache", timings("/", args.runs), "rendered each time")


if __name__ == "__main__":
    main()
