"""The scheduler keeps one database connection, as the sizing in docs/operations.md counts
it: its jobs run in turn on one thread, not each on a thread (and a connection) of its own."""

import time

import pytest
from django.db import connection

from tests.processes import Processes, app_environment, database_url
from wizard.ops.models import Heartbeat

pytestmark = pytest.mark.django_db(transaction=True)

SCHEDULER = "jobwizard-test-scheduler"


def test_the_scheduler_holds_one_database_connection(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("counts connections in pg_stat_activity: PostgreSQL only")
    # The scheduler's connections carry their own name: a connection another test left
    # open on the same database is not the scheduler's.
    env = app_environment(
        DATABASE_URL=f"{database_url()}?application_name={SCHEDULER}",
        DATABASE_CONN_MAX_AGE="60",
        MAINTENANCE_INTERVAL_SECONDS="1",
        VAR_DIR=str(tmp_path / "var"),
        LOG_LEVEL="WARNING",
    )
    processes = Processes(env, tmp_path)
    processes.start("crontask", "--no-heartbeat")
    beats = set()
    try:
        deadline = time.monotonic() + 30
        while len(beats) < 3:  # every job has run at least twice
            assert time.monotonic() < deadline, processes.output()
            beats |= set(Heartbeat.objects.values_list("beat_at", flat=True))
            time.sleep(0.1)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [SCHEDULER],
            )
            (held,) = cursor.fetchone()
    finally:
        processes.kill_all()
    assert held == 1, processes.output()
