"""Restarts (docs/operations.md): the Procfile's web line runs on a plain host's PATH, and a
SIGHUP to gunicorn's master replaces every worker while /health/live/ keeps answering.

No database is touched: /health/live/ answers before anything else runs, so this runs on
SQLite and PostgreSQL alike.
"""

import re
import shlex
import signal
import subprocess
import threading
import time

import pytest
import requests

from tests.emulator_process import free_port
from tests.processes import PLAIN_PATH, PROJECT_ROOT, Processes, app_environment, procfile

BOOTED = re.compile(r"Booting worker with pid: (\d+)")
EXITED = re.compile(r"Worker exiting \(pid: (\d+)\)")


def wait_for(what, condition, processes, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    pytest.fail(f"waited {timeout}s for {what}\n{processes.output()}")


def test_every_procfile_command_runs_from_the_project_environment_on_a_plain_path():
    commands = procfile()
    assert set(commands) == {"release", "web", "worker", "scheduler"}
    for name, command in commands.items():
        steps = [shlex.split(step) for step in command.split("&&")]
        assert all(step[0] == "bin/python" for step in steps), (name, command)
    found = subprocess.run(
        ["bin/python", "-c", "import django, gunicorn, django_tasks_db; print('ok')"],
        cwd=PROJECT_ROOT,
        env={"PATH": PLAIN_PATH, "HOME": "/nonexistent"},
        capture_output=True,
        text=True,
    )
    assert found.stdout == "ok\n", found.stderr


@pytest.fixture
def web(tmp_path):
    """The Procfile's web line as written, on a plain PATH, with two workers."""
    port = free_port()
    env = app_environment(
        PATH=PLAIN_PATH,
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        WEB_WORKERS="2",
        WEB_THREADS="2",
        LOG_FORMAT="text",
        LOG_REQUESTS="false",
    )
    processes = Processes(env, tmp_path)
    master = processes.run(shlex.split(procfile()["web"]), name="web")
    try:
        yield f"http://127.0.0.1:{port}", master, processes
    finally:
        processes.kill_all()


def booted_and_exited(processes, master):
    log = processes.log_of(master)
    return [int(pid) for pid in BOOTED.findall(log)], {int(pid) for pid in EXITED.findall(log)}


def test_a_sighup_replaces_every_worker_while_health_live_answers(web):
    base, master, processes = web
    wait_for(
        "two workers", lambda: len(booted_and_exited(processes, master)[0]) == 2, processes, 30
    )
    old_workers = set(booted_and_exited(processes, master)[0])

    answers = []  # (phase when asked, status or the error), each poll on a new connection
    phase = "before"
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            asked_in = phase
            try:
                # A request that arrives during the reload waits while the new workers
                # load the app (seconds on a busy machine): slow is allowed, failing is not.
                status = requests.get(f"{base}/health/live/", timeout=60).status_code
            except requests.RequestException as exc:
                status = repr(exc)
            answers.append((asked_in, status))

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        wait_for("a first answer", lambda: answers, processes, 30)
        phase = "reloading"
        master.send_signal(signal.SIGHUP)

        def replaced():
            booted, exited = booted_and_exited(processes, master)
            return len(booted) == 4 and exited >= old_workers

        wait_for("the workers to be replaced", replaced, processes, 15)
        phase = "after"
        wait_for(
            "answers after the reload",
            lambda: sum(asked_in == "after" for asked_in, _ in answers) > 5,
            processes,
            60,
        )
    finally:
        stop.set()
        poller.join()

    failed = [answer for answer in answers if answer[1] != 200]
    assert not failed, (failed, processes.output())
    # Polled without a pause from before the signal until after the new workers answered.
    assert {"before", "after"} <= {asked_in for asked_in, _ in answers}
    new_workers = set(booted_and_exited(processes, master)[0]) - old_workers
    assert len(new_workers) == 2 and master.poll() is None
