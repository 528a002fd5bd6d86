"""What counting the job pages' views costs (issue 20): a job page and its 304 with and
without a view counted, and the periodic flush, in process on PostgreSQL and Redis.

    createdb -h 127.0.0.1 -U postgres jw_bench_numbers
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jw_bench_numbers \\
        CACHE_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/job_numbers.py

It migrates the database named by DATABASE_URL, fills it with `--postings` published
postings (bench.board_data) unless it holds exactly that many, then:

- requests one job page `--runs` times through Django's test client (the whole
  middleware stack, DEBUG off) alternately as a browser (a view counted) and without a
  User-Agent (not counted), from the board's cache, and the same for a revalidation (304);
  prints the medians and their difference;
- counts a view of every posting, pushes the tally and times the flush (every posting's
  counters taken and upserted), then a flush with nothing counted (the cost of reading
  every posting's counters).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("DEBUG", "true")  # local defaults (no SECRET_KEY needed)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench.board_data import published_postings  # noqa: E402
from wizard.board import counts  # noqa: E402
from wizard.board.flush import flush_numbers  # noqa: E402
from wizard.models import JobPosting  # noqa: E402

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Firefox/140.0"}


def timed(client, url, **headers):
    start = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 304), response.status_code
    return elapsed, response


def pairs(client, url, runs, **headers):
    counted, bare = [], []
    for _ in range(runs):
        counted.append(timed(client, url, **BROWSER, **headers)[0])
        bare.append(timed(client, url, **headers)[0])
    return statistics.median(counted), statistics.median(bare)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if JobPosting.objects.count() != args.postings:
        JobPosting.objects.all().delete()
        JobPosting.objects.bulk_create(published_postings(args.postings), batch_size=500)
    slugs = list(JobPosting.objects.values_list("slug", flat=True))
    url = f"/jobs/{slugs[len(slugs) // 2]}/"
    print(
        f"{args.postings} published postings on {connection.vendor}, cache "
        f"{os.environ.get('CACHE_URL', '(default)')}; {args.runs} pairs a case (ms, median)"
    )
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        _, first = timed(client, url)  # renders and caches the page
        for _ in range(50):
            timed(client, url, **BROWSER)
        counted, bare = pairs(client, url, args.runs)
        print(f"job page, cached:   counted {counted:.3f}, not {bare:.3f}, +{counted - bare:.3f}")
        counted, bare = pairs(client, url, args.runs, HTTP_IF_NONE_MATCH=first["ETag"])
        print(f"job page, 304:      counted {counted:.3f}, not {bare:.3f}, +{counted - bare:.3f}")

    flush_numbers()  # what the runs above counted
    for slug in slugs:
        counts.count(counts.VIEWS, slug)
    start = time.perf_counter()
    counts.tally.push()
    pushed = time.perf_counter()
    said = flush_numbers()
    done = time.perf_counter()
    print(
        f"push of {len(slugs)} postings' tallies: {(pushed - start) * 1000:.0f} ms; "
        f"flush: {(done - pushed) * 1000:.0f} ms ({said})"
    )
    start = time.perf_counter()
    said = flush_numbers()
    print(f"flush with nothing counted: {(time.perf_counter() - start) * 1000:.0f} ms ({said})")


if __name__ == "__main__":
    main()
