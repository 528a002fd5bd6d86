"""Profile one endpoint of the last `make bench` run, in process.

    .venv/bin/python -m bench.profile "details POST" [REQUESTS] [--wall]

Uses the settings and the SQLite database the run left in var/bench/ (env.json) and the
endpoint's requests (var/bench/requests/<name>.txt), sends them through Django's test
client REQUESTS times (200 by default) after a warm-up, and prints where the time went:
by default CPU time with cProfile (time.process_time: on a shared machine wall time
mostly measures the neighbours), the functions with the most cumulative and own time;
with --wall, pyinstrument's wall-clock call tree. The test client skips gunicorn and the
socket; everything from the WSGI handler on is the same code the server runs.
"""

import cProfile
import itertools
import json
import os
import pstats
import sys
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent.parent / "var" / "bench"
os.environ.update(json.loads((WORK / "env.json").read_text()))

import django  # noqa: E402

django.setup()

from pyinstrument import Profiler  # noqa: E402

from bench import slug  # noqa: E402
from bench.__main__ import webhook_lines_for  # noqa: E402
from bench.measure import client, make, read_requests  # noqa: E402

# Where a function's own time goes, by the code it belongs to (first match wins).
AREAS = [
    ("/wizard/", "Jobwizard's own code (wizard/)"),
    ("/django/template/", "Django templates (rendering pages and forms)"),
    ("/django/forms/", "Django forms (fields, widgets, validation)"),
    ("/django/db/", "Django ORM (building SQL, making rows into objects)"),
    ("sqlite3", "database driver"),
    ("psycopg", "database driver"),
    ("/django/contrib/sessions/", "sessions (loading, signing)"),
    ("/django/core/signing", "sessions (loading, signing)"),
    ("/django/middleware/", "middleware (Django's and the apps')"),
    ("/django/contrib/", "middleware (Django's and the apps')"),
    ("/axes/", "middleware (Django's and the apps')"),
    ("/django_htmx/", "middleware (Django's and the apps')"),
    ("/whitenoise/", "middleware (Django's and the apps')"),
    ("/django/urls/", "URL resolving and reversing"),
    ("/django/utils/", "Django utilities (escaping, lazy strings, dates, …)"),
    ("/django/core/mail/", "building and writing the email (Django's mail, Python's email)"),
    ("/django/", "Django request handling and the rest of Django"),
    ("/stripe/", "stripe SDK (signature check)"),
    ("/django_tasks", "django-tasks (enqueueing)"),
    ("/django_fsm", "django-fsm (transitions)"),
    ("/django/core/mail/", "building and writing the email (Django's mail, Python's email)"),
    ("/email/", "building and writing the email (Django's mail, Python's email)"),
    ("/logging/", "logging"),
    ("/json/", "JSON"),
]


def area_of(filename):
    for marker, area in AREAS:
        if marker in filename:
            return area
    return "Python's standard library and the rest"


def print_areas(stats, cpu_per_request):
    """Own time by area, scaled to the request's CPU time without the profiler. The time
    of built-in functions (len, isinstance, str.join, …) goes to the areas calling them."""
    totals = {}
    for (filename, _, function), (_, _, own, _, callers) in stats.stats.items():
        if filename == "~" and "sqlite" in function.lower():  # SQLite runs in the process
            area = "SQLite running the queries (in the process)"
            totals[area] = totals.get(area, 0) + own
            continue
        if filename == "~" and callers:
            for (caller_file, _, _), edge in callers.items():
                area = area_of(caller_file)
                totals[area] = totals.get(area, 0) + edge[2]  # own time under that caller
            continue
        area = area_of(filename)
        totals[area] = totals.get(area, 0) + own
    grand = sum(totals.values())
    print(f"Where the CPU goes ({1000 * cpu_per_request:.2f} ms a request):")
    for area, own in sorted(totals.items(), key=lambda item: -item[1]):
        share = own / grand
        print(f"  {100 * share:5.1f} %  {1000 * share * cpu_per_request:6.2f} ms  {area}")
    print()


def profile(name, count, wall=False):
    requests = read_requests(WORK / "requests" / f"{slug(name)}.txt")
    if name == "webhook accept":  # each event once: a repeated id takes another path
        posting_id = json.loads(requests[0][3])["data"]["object"]["client_reference_id"]
        lines = webhook_lines_for(posting_id)(2 * count + 2)
        path = WORK / "requests" / "webhook-profile.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        requests = read_requests(path)
    browser = client()
    for request in requests[:2]:  # warm-up
        make(browser, *request)
    # The same request again, or (webhook) each of the fresh ones once.
    upcoming = itertools.cycle(requests) if len(requests) <= 2 else iter(requests[2:])

    def run():
        for _ in range(count):
            response = make(browser, *next(upcoming))
        return response

    if wall:
        profiler = Profiler(interval=0.0005)
        with profiler:
            response = run()
        print(profiler.output_text(unicode=True, color=False))
    else:
        started = time.process_time()
        response = run()
        cpu = time.process_time() - started
        print(f"{name}: {1000 * cpu / count:.2f} ms CPU a request without the profiler")
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(run)
        stats = pstats.Stats(profiler)
        print_areas(stats, cpu / count)
        stats.strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    print(f"{name}: {count} requests, the last answered {response.status_code}")


if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if arg != "--wall"]
    profile(args[0], int(args[1]) if len(args) > 1 else 200, wall="--wall" in sys.argv)
