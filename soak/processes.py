"""The soak's database and processes: PostgreSQL, the emulators, two gunicorn web
processes, the task workers and the scheduler; started, SIGKILLed, restarted, stopped.

The emulators are started with the test suite's helpers (tests/fakestripe_process.py,
tests/fakeproviders_process.py), which pick free ports and wait for health.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import psycopg

from soak.config import PROJECT_ROOT
from tests.emulator_process import free_port
from tests.fakeproviders_process import FakeProvidersProcess
from tests.fakestripe_process import FakeStripeProcess

WEBHOOK_SECRET = "whsec_jobwizard_soak"
START_TIMEOUT_SECONDS = 60


def recreate_database(database_url):
    """Drop and create the database named in database_url (the soak's own, never another)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database name {name!r}")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        connection = psycopg.connect(maintenance, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"The soak needs PostgreSQL: could not connect to {maintenance} ({exc}). "
            "Set SOAK_DATABASE_URL to a server where you may create a database."
        ) from None
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


class Process:
    """One manage.py (or gunicorn) process, its output in a log file, restartable."""

    def __init__(self, name, command, env, log_dir, cwd=PROJECT_ROOT):
        self.name = name
        self.command = command
        self.env = env
        self.log_dir = log_dir
        self.cwd = cwd
        self.popen = None
        self.generation = 0

    def start(self, *extra):
        self.generation += 1
        log = self.log_dir / f"{self.name}.log"
        with open(log, "ab") as output:
            output.write(f"\n=== start {self.generation} at {time.ctime()}\n".encode())
            output.flush()
            self.popen = subprocess.Popen(
                [*self.command, *extra],
                cwd=self.cwd,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal reaches the soak alone
            )
        return self

    @property
    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def kill(self):
        """SIGKILL: no chance to finish anything, as with the OOM killer or a lost machine."""
        if self.alive:
            self.popen.send_signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def stop(self):
        if not self.alive:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


class Worker(Process):
    """A `db_worker`; each start has its own worker id, so the rows a killed one left
    RUNNING can be told apart."""

    def __init__(self, number, env, log_dir):
        command = [sys.executable, "manage.py", "db_worker"]
        super().__init__(f"worker-{number}", command, env, log_dir)
        self.ids = []  # the worker id of each start

    def start(self):
        worker_id = f"soak-{self.name}-{self.generation + 1}"
        self.ids.append(worker_id)
        options = ["--interval", "0.2", "--no-reload", "--no-startup-delay"]
        return super().start(*options, "--worker-id", worker_id, "-v", "0")

    @property
    def current_id(self):
        return self.ids[-1] if self.ids else None


class Stack:
    """Everything the soak runs. start() brings it up; stop() takes it all down."""

    def __init__(self, knobs):
        self.knobs = knobs
        self.web_ports = [free_port(), free_port()]
        self.fakestripe = FakeStripeProcess(
            webhook_secret=WEBHOOK_SECRET,
            webhook_url=self.webhook_url(0),
            webhook_retry_delays=(0.5, 1, 2, 4, 8, 8, 8, 8),
        )
        self.fakeproviders = FakeProvidersProcess()
        self.webs = []
        self.workers = []
        self.scheduler = None
        self.env = None

    def web_url(self, index):
        return f"http://127.0.0.1:{self.web_ports[index]}"

    def webhook_url(self, index):
        return self.web_url(index) + "/stripe/webhook/"

    def app_env(self):
        """The production shape: DEBUG off, PostgreSQL, secrets set; emulators for Stripe
        and the other third parties; the soak's mailer; short maintenance timings."""
        knobs = self.knobs
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("STRIPE_", "DATABASE_", "CRONTASK_", "MAIL_", "ANYMAIL_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            PYTHONUNBUFFERED="1",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(40),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL=self.web_url(0),
            DATABASE_URL=knobs.database_url,
            VAR_DIR=str(knobs.run_dir / "var"),
            MEDIA_ROOT=str(knobs.run_dir / "media"),
            MAIL_BACKEND="soak.mailer.FlakyMailer",
            SOAK_MAIL_DIR=str(knobs.mail_dir),
            SOAK_MAIL_FAILURE_RATE=str(knobs.mail_failure_rate),
            ANYMAIL_WEBHOOK_SECRET="soak:" + secrets.token_urlsafe(16),
            FAKESTRIPE_URL=self.fakestripe.url,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            # A Stripe request that hangs (an injected timeout) is given up after 3 s.
            STRIPE_TIMEOUT_SECONDS="3",
            STRIPE_BACKGROUND_DEADLINE_SECONDS="15",
            FAKEPROVIDERS_URL=self.fakeproviders.url,
            # VIES's emulator (DEBUG off would ask the EU's real service).
            VIES_URL=self.fakeproviders.url + "/taxation_customs/vies/rest-api",
            MAINTENANCE_INTERVAL_SECONDS=str(knobs.maintenance_interval),
            STUCK_AFTER_SECONDS=str(knobs.stuck_after),
            EFFECT_RETRY_BASE_SECONDS="1",
            EFFECT_RETRY_MAX_SECONDS="8",
            # Staff notices raised after a window's first wait for the next window's digest:
            # the soak's minutes stand for hours, so its windows are one minute long.
            STAFF_ALERT_DIGEST_MINUTES="1",
            STAFF_ALERT_EMAILS="staff@soak.example",
            # Every simulated employer comes from 127.0.0.1: one client address.
            DRAFTS_PER_CLIENT_PER_HOUR="1000000",
            SIGN_IN_CODES_PER_CLIENT_PER_HOUR="1000000",  # the returning employers' codes
            WEB_WORKERS="1",
            WEB_THREADS="6",
            LOG_LEVEL="WARNING",
        )
        return env

    def prepare(self, manage):
        """A fresh database, migrated; static files collected (DEBUG off serves the
        manifest's names). `manage(*args)` runs a manage.py command with the app's env."""
        recreate_database(self.knobs.database_url)
        manage("migrate", "--no-input", "-v", "0")
        manage("collectstatic", "--no-input", "-v", "0")

    def start(self):
        knobs = self.knobs
        for folder in (knobs.log_dir, knobs.mail_dir, knobs.run_dir / "var"):
            folder.mkdir(parents=True, exist_ok=True)
        self.fakestripe.start()
        self.fakeproviders.start()
        self.env = self.app_env()

        def manage(*args):
            subprocess.run(
                [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=self.env, check=True
            )

        self.prepare(manage)
        gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"]
        for index, port in enumerate(self.web_ports):
            env = {**self.env, "PORT": str(port)}
            self.webs.append(Process(f"web-{index + 1}", gunicorn, env, knobs.log_dir).start())
        self.workers = [
            Worker(number, self.env, knobs.log_dir).start()
            for number in range(1, knobs.workers + 1)
        ]
        scheduler = [sys.executable, "manage.py", "crontask", "--no-heartbeat"]
        self.scheduler = Process("scheduler", scheduler, self.env, knobs.log_dir).start()
        for index in range(len(self.webs)):
            self._wait_for_web(index)

    def _wait_for_web(self, index):
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not self.webs[index].alive:
                break
            try:
                with urllib.request.urlopen(self.web_url(index) + "/post/", timeout=5) as page:
                    if page.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError(
            f"{self.webs[index].name} did not answer on {self.web_url(index)}; "
            f"see {self.knobs.log_dir / (self.webs[index].name + '.log')}"
        )

    def processes(self):
        return [*self.webs, *self.workers, *([self.scheduler] if self.scheduler else [])]

    def dead_worker_ids(self):
        """Worker ids of starts that are over (killed): their RUNNING rows are orphans."""
        return [worker_id for worker in self.workers for worker_id in worker.ids[:-1]] + [
            worker.current_id for worker in self.workers if not worker.alive
        ]

    def stop(self):
        for process in self.processes():
            process.stop()
        for emulator, name in ((self.fakestripe, "fakestripe"), (self.fakeproviders, "providers")):
            output = emulator.output()
            emulator.stop()
            if output:
                (self.knobs.log_dir / f"{name}.log").write_text(output)
