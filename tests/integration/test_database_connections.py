"""`make run`'s runserver does not pile up database connections (issue 17, item 13).

runserver serves every browser connection on a thread of its own; with connections kept
for DATABASE_CONN_MAX_AGE, each thread held its database connection for as long as the
browser kept its HTTP connection open (keep-alive): 62 of them made PostgreSQL refuse
new ones. Counted in pg_stat_activity with ten keep-alive browsers (PostgreSQL only)."""

import http.client
import sys
import time

import pytest
from django.db import connection

from tests.emulator_process import free_port
from tests.processes import Processes, app_environment, database_url

BROWSERS = 10


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "counts connections in PostgreSQL's pg_stat_activity; "
            "CI runs this with DATABASE_URL set"
        )


def other_connections():
    """Connections to the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def answered(port):
    try:
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        probe.request("GET", "/health/live/")
        return probe.getresponse().status == 200
    except OSError:
        return False
    finally:
        probe.close()


@pytest.mark.django_db(transaction=True)
def test_runserver_keeps_no_connection_per_browser(postgresql_only, tmp_path):
    port = free_port()
    env = app_environment(
        DATABASE_URL=database_url(),
        # What `make run` had: connections kept for a minute. runserver ignores it now.
        DATABASE_CONN_MAX_AGE="60",
        ALLOWED_HOSTS="127.0.0.1",
        VAR_DIR=str(tmp_path / "var"),
    )
    processes = Processes(env, tmp_path)
    server = processes.run(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        name="runserver",
    )
    browsers = []
    try:
        deadline = time.monotonic() + 30
        while not answered(port):
            assert server.poll() is None and time.monotonic() < deadline, processes.output()
            time.sleep(0.1)
        before = other_connections()
        for index in range(BROWSERS):
            browser = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            # A job page the board has not cached: its lookup needs the database.
            browser.request("GET", f"/jobs/no-such-job-{index}/")
            response = browser.getresponse()
            response.read()
            assert response.status == 404, processes.output()
            assert response.getheader("Connection") != "close"  # the browser keeps it open
            browsers.append(browser)
        during = other_connections()
        # On the old settings, one more connection per browser: before + 10.
        assert during - before <= 1, (before, during, processes.output())
    finally:
        for browser in browsers:
            browser.close()
        processes.kill_all()
