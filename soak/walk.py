"""python -m soak.walk (and the first thing `make soak` does): docs/operations.md followed
on a clean host, step by step, printing each; exits 1 at the first step that fails.

Clean copies of the repository's HEAD and of the previous release (SOAK_WALK_FROM;
`git archive`: what is committed, nothing else) in a temporary folder; the documented
install (`uv sync --frozen --no-dev`, into each copy's own .venv) and build
(collectstatic); the documented environment on a plain PATH (no virtualenv on it: only
bin/python finds the copy's); PostgreSQL (a fresh database next to SOAK_DATABASE_URL's),
Redis (WALK_CACHE_URL, db 8 by default), moto's S3 server, a load balancer in front of
the web processes (soak.balancer). Then the previous release's Procfile lines as written:
release, web (with PORT), worker, scheduler; /health/ passes, one employer pays over HTTP
and their posting reaches review with its confirmation email sent, another leaves a
draft; the upgrade to HEAD as docs/deploying.md says, polled throughout (soak.walk_upgrade);
a SIGHUP reloads the web process without one failed /health/live/; a backup with pg_dump
is restored into a new database as the restore drill says, and a web process on it
serves the employer their posting and a board without what the backup lacks
(soak.walk_restore). SOAK_WALK_FROM=none: a fresh install of HEAD instead of the upgrade.

The one substitution: Stripe and the bot check are their local emulators (no real
account here), which `check --deploy` refuses by design (jobwizard.E020, E021). So the
release line's `check --deploy` must fail with exactly those errors and no other, and the
line's next command (migrate) then runs as written. Emails go to the soak's recording
mailer (soak.mailer, failing none) as they do in the soak, where an ESP would take them.
"""

import logging
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests

from soak.balancer import LoadBalancer
from soak.config import PROJECT_ROOT, Knobs
from soak.employer import Browser, Outcome, Visit, pays
from soak.processes import Process, recreate_database
from soak.walk_restore import backup_and_restore, serve_restored
from soak.walk_upgrade import (
    WalkFailed,
    draft_pays_on_new,
    release_while_old_serves,
    replace_processes,
    start_draft,
)
from tests.emulator_process import free_port
from tests.fakeproviders_process import FakeProvidersProcess
from tests.fakestripe_process import FakeStripeProcess
from tests.processes import PLAIN_PATH, procfile
from tests.s3 import DUMMY_CREDENTIALS, REGION, MotoS3Server, S3Bucket, make_client

WEBHOOK_SECRET = "whsec_jobwizard_walk"
METRICS_TOKEN = "walk-" + secrets.token_urlsafe(16)
# The checks check --deploy makes that the emulators fail, by design (docs/deploying.md).
EMULATOR_ERRORS = {"jobwizard.E020", "jobwizard.E021"}
WAIT_SECONDS = 60


def say(text):
    print(text, flush=True)


def wait_for(what, condition, timeout=WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise WalkFailed(f"waited {timeout} s for {what}")


def database_named(url, name):
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def find_uv():
    """The uv the Makefile installs (.uv/bin/uv), else UV, else uv on PATH."""
    for candidate in (os.environ.get("UV"), PROJECT_ROOT / ".uv" / "bin" / "uv", "uv"):
        if candidate and (found := shutil.which(str(candidate))):
            return found
    raise WalkFailed("no uv: run `make install-app` once, or set UV to a uv 0.13.9")


def find_python():
    found = subprocess.run(
        [PROJECT_ROOT / "scripts" / "find-python"], capture_output=True, text=True
    )
    if found.returncode != 0:
        raise WalkFailed("no Python >= 3.12 on this host")
    return found.stdout.strip()


def command_argv(line):
    """A Procfile command as its runner (honcho, foreman) runs it: through the shell when
    it uses the shell's syntax, else directly (so a signal reaches the program itself)."""
    if any(token in line for token in ("&&", "||", ";", "|", "$", ">", "<")):
        return ["/bin/sh", "-c", line]
    return shlex.split(line)


def error_ids(output):
    """The check ids under ERRORS: in `manage.py check` output."""
    errors = output.split("ERRORS:", 1)[1] if "ERRORS:" in output else ""
    errors = errors.split("WARNINGS:", 1)[0]
    return set(re.findall(r"\((\w+\.[EC]\d+)\)", errors))


@dataclass
class Release:
    """One release's clean copy: `git archive <revision>` in its own folder, its own .venv."""

    revision: str
    app: Path
    # Its Procfile runs bare `python`/`gunicorn` (releases up to issue 17's): it was deployed
    # with its environment's bin first on PATH, so the walk runs it that way.
    bare_commands: bool = False

    @property
    def procfile(self):
        """The clean copy's Procfile: what the walk runs, as written."""
        return procfile(self.app / "Procfile")

    @property
    def path(self):
        return f"{self.app / '.venv' / 'bin'}:{PLAIN_PATH}" if self.bare_commands else PLAIN_PATH


class Walk:
    def __init__(self, knobs, folder):
        self.knobs = knobs
        self.folder = folder
        self.new = Release("HEAD", folder / "app")
        self.previous = knobs.walk_from and Release(knobs.walk_from, folder / "previous", True)
        self.releases = [release for release in (self.previous, self.new) if release]
        self.app = self.new.app
        self.logs = folder / "logs"
        self.mail = folder / "mail"
        self.database_url = database_named(knobs.database_url, self._name("walk"))
        self.restored_url = database_named(knobs.database_url, self._name("walk_restored"))
        self.cache_url = os.environ.get("WALK_CACHE_URL", "redis://127.0.0.1:6379/8")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"  # the load balancer's
        self.balancer = LoadBalancer(self.port)
        self.fakestripe = FakeStripeProcess(
            webhook_secret=WEBHOOK_SECRET, webhook_url=f"{self.base}/stripe/webhook/"
        )
        self.fakeproviders = FakeProvidersProcess()
        self.s3 = MotoS3Server()
        self.processes = []
        self.web = None
        self.poller = None  # the draft owner's polls across the upgrade (soak.walk_upgrade)
        self.env = None

    @property
    def procfile(self):
        return self.new.procfile

    def _name(self, suffix):
        return f"{urlsplit(self.knobs.database_url).path.lstrip('/')}_{suffix}"

    # ---- the steps ---------------------------------------------------------------

    def clean_copy(self):
        self.logs.mkdir(parents=True)
        for release in self.releases:
            release.app.mkdir(parents=True)
            archive = subprocess.run(
                ["git", "archive", release.revision],
                cwd=PROJECT_ROOT,
                capture_output=True,
                check=True,
            )
            subprocess.run(["tar", "-x", "-C", release.app], input=archive.stdout, check=True)
        return "; ".join(f"git archive {r.revision} into {r.app}" for r in self.releases)

    def install(self):
        """docs/operations.md, "On a plain host": uv sync --frozen --no-dev."""
        for release in self.releases:
            self.run_in_app(
                [find_uv(), "sync", "--frozen", "--no-dev", "--python", find_python()],
                {
                    "PATH": PLAIN_PATH,
                    "HOME": os.environ.get("HOME", "/root"),
                    "UV_PROJECT_ENVIRONMENT": str(release.app / ".venv"),
                    "UV_PYTHON_DOWNLOADS": "never",
                },
                release=release,
            )
        return "; ".join(f"uv sync --frozen --no-dev into {r.app / '.venv'}" for r in self.releases)

    def environment(self):
        """The documented environment: PostgreSQL, Redis, S3; the emulators for Stripe,
        the bot check and the other third parties; the soak's mailer."""
        recreate_database(self.database_url)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs each request
        self.s3.start()
        bucket = S3Bucket(make_client(self.s3.endpoint_url), "jobwizard-walk", self.s3.endpoint_url)
        bucket.client.create_bucket(Bucket=bucket.name)
        bucket.allow_public_read("logos/")
        self.fakestripe.start()
        self.fakeproviders.start()
        self.balancer.start()
        redis.Redis.from_url(self.cache_url).flushdb()  # the walk's own: a clean host's
        self.mail.mkdir()
        self.env = {
            "PATH": PLAIN_PATH,
            "HOME": str(self.folder),
            "LANG": "C.UTF-8",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.base,
            # A private host without TLS (docs/operations.md says when that is allowed).
            "ALLOW_INSECURE_HTTP": "true",
            "DATABASE_URL": self.database_url,
            "CACHE_URL": self.cache_url,
            "AWS_STORAGE_BUCKET_NAME": bucket.name,
            "AWS_S3_ENDPOINT_URL": self.s3.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            **DUMMY_CREDENTIALS,
            "AWS_EC2_METADATA_DISABLED": "true",
            # The soak's mailer stands in for an ESP: it records each message it accepts.
            "MAIL_BACKEND": "soak.mailer.FlakyMailer",
            "SOAK_MAIL_DIR": str(self.mail),
            "SOAK_MAIL_FAILURE_RATE": "0",
            "ANYMAIL_WEBHOOK_SECRET": "walk:" + secrets.token_urlsafe(16),
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "FAKESTRIPE_URL": self.fakestripe.url,
            "FAKEPROVIDERS_URL": self.fakeproviders.url,
            "METRICS_TOKEN": METRICS_TOKEN,
            "WEB_WORKERS": "2",
            "WEB_THREADS": "2",
        }
        return (
            f"PostgreSQL {self._name('walk')}, Redis {self.cache_url}, moto's S3 at "
            f"{self.s3.endpoint_url}, fakestripe, fakeproviders, a load balancer at "
            f"{self.base}; DEBUG unset (off)"
        )

    def build(self):
        for release in self.releases:
            python = "python" if release.bare_commands else "bin/python"
            argv = [python, "manage.py", "collectstatic", "--no-input", "-v", "0"]
            self.run_in_app(argv, release=release)
        return "manage.py collectstatic --no-input"

    def release(self, release=None):
        """The release line of the Procfile (of HEAD unless another release is named)."""
        release = release or self.new
        check, migrate = (part.strip() for part in release.procfile["release"].split("&&"))
        checked = self.run_in_app(command_argv(check), check=False, release=release)
        errors = error_ids(checked.stdout + checked.stderr)
        if checked.returncode == 0 or errors != EMULATOR_ERRORS:
            raise WalkFailed(
                f"`{check}` was to fail with exactly {sorted(EMULATOR_ERRORS)} (the emulators), "
                f"not {sorted(errors)} (exit {checked.returncode}):\n"
                + checked.stdout
                + checked.stderr
            )
        self.run_in_app(command_argv(migrate), release=release)
        return f"`{check}`: only {', '.join(sorted(errors))} (the emulators); `{migrate}`: done"

    def start(self, release=None):
        release = release or self.new
        self.web, self.worker, self.scheduler = (
            self.start_process(name, release) for name in ("web", "worker", "scheduler")
        )
        self.balancer.backends = [self.web.url]
        return f"web on {self.web.url} behind {self.base}, worker, scheduler: " + "; ".join(
            release.procfile[name] for name in ("web", "worker", "scheduler")
        )

    def start_process(self, name, release, label=None, database_url=None):
        """One of the release's Procfile processes. A web process gets a port of its own
        (process.url): the load balancer is not told of it here."""
        env = {**self.env, "PATH": release.path, "DATABASE_URL": database_url or self.database_url}
        if name == "web":
            port = free_port()
            env["PORT"] = str(port)
        label = label or f"{name}-{release.revision}"
        process = Process(label, command_argv(release.procfile[name]), env, self.logs, release.app)
        if name == "web":
            process.url = f"http://127.0.0.1:{port}"
        self.processes.append(process.start())
        return process

    def healthy(self):
        results = wait_for("/health/ to pass", lambda: self.health(self.base))
        return ", ".join(f"{check} {result}" for check, result in results.items())

    def pay(self):
        outcome = Outcome(number=1, profile="pays")
        self.browser = Browser([self.base], outcome, random.Random(1), threading.Event())
        pays(Visit(self.browser, self.fakestripe))
        if not (outcome.paid and outcome.saw_confirmation):
            raise WalkFailed(f"the employer did not pay and see the confirmation: {outcome}")
        self.posting_id = outcome.posting_id
        wait_for(
            "the posting in review with its confirmation email sent",
            lambda: self.query(
                "SELECT 1 FROM wizard_jobposting p JOIN wizard_effect e ON e.posting_id = p.id "
                "WHERE p.id = %s AND p.status = 'in_review' AND e.kind = 'email' "
                "AND e.name = 'confirmation' AND e.state = 'sent'",
                self.posting_id,
            ),
        )
        sent = [path.name for path in self.mail.iterdir()]
        if not sent:
            raise WalkFailed(f"no email file in {self.mail}")
        return f"posting {self.posting_id} paid over HTTP, in review, its confirmation sent"

    def reload(self):
        web = self.web
        log = self.logs / f"{web.name}.log"
        booted = lambda: len(re.findall(r"Booting worker with pid", log.read_text()))  # noqa: E731
        before = booted()
        answers = []
        stop = threading.Event()

        slowest = [0.0]

        def poll():
            while not stop.is_set():
                asked = time.monotonic()
                try:
                    answer = requests.get(f"{self.base}/health/live/", timeout=30)
                    answers.append(answer.status_code)
                except requests.RequestException as exc:
                    answers.append(repr(exc))
                slowest[0] = max(slowest[0], time.monotonic() - asked)

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            wait_for("a first /health/live/", lambda: answers)
            web.popen.send_signal(signal.SIGHUP)
            wait_for("new web workers", lambda: booted() >= before + 2)
            count = len(answers)
            wait_for("answers from the new workers", lambda: len(answers) > count + 3)
        finally:
            stop.set()
            poller.join()
        failed = [answer for answer in answers if answer != 200]
        if failed:
            raise WalkFailed(f"/health/live/ failed during the reload: {failed}")
        return (
            f"SIGHUP: {len(answers)} polls of /health/live/, all 200 (the slowest took "
            f"{slowest[0]:.1f} s, while the new workers loaded the app); 2 new workers"
        )

    # ---- helpers -----------------------------------------------------------------

    def migrate(self, database_url):
        """The second half of HEAD's release line (`migrate`) on database_url."""
        migrate = self.procfile["release"].split("&&")[1].strip()
        self.run_in_app(command_argv(migrate), {**self.env, "DATABASE_URL": database_url})

    @staticmethod
    def wait_for(what, condition):
        return wait_for(what, condition)

    def run_in_app(self, argv, env=None, check=True, release=None):
        release = release or self.new
        env = env or {**self.env, "PATH": release.path}
        done = subprocess.run(
            argv, cwd=release.app, env=env, capture_output=True, text=True, timeout=300
        )
        if check and done.returncode != 0:
            command = shlex.join(map(str, argv))
            raise WalkFailed(f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}")
        return done

    def wait_for_ok(self, url):
        def ok():
            try:
                return requests.get(url, timeout=10).status_code == 200
            except requests.RequestException:
                return False

        return wait_for(url, ok)

    def health(self, base):
        try:
            response = requests.get(
                f"{base}/health/?format=json",
                headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                timeout=10,
            )
        except requests.RequestException:
            return None
        if response.status_code != 200:
            return None
        return response.json()

    def query(self, sql, *params):
        with psycopg.connect(self.database_url) as connection:
            return connection.execute(sql, params).fetchone()

    def stop(self):
        if self.poller:
            self.poller.close()
        for process in reversed(self.processes):
            process.stop()
        self.balancer.stop()
        self.fakestripe.stop()
        self.fakeproviders.stop()
        self.s3.stop()

    def release_previous(self):
        return self.release(self.previous)

    def start_previous(self):
        return self.start(self.previous)

    SET_UP = (
        ("a clean copy of the repository", clean_copy),
        ("install", install),
        ("the environment", environment),
        ("build", build),
    )
    FRESH = (
        ("release (the Procfile's)", release),
        ("the Procfile's processes", start),
        ("/health/", healthy),
        ("one posting paid end to end", pay),
    )
    UPGRADE = (
        ("the previous release's release, on a fresh database", release_previous),
        ("the previous release's processes", start_previous),
        ("/health/ (previous release)", healthy),
        ("one posting paid end to end (previous release)", pay),
        ("a draft in the middle of the wizard (previous release)", start_draft),
        ("the new release's release while the old processes serve", release_while_old_serves),
        ("the processes replaced one by one", replace_processes),
        ("the draft finished and paid on the new release", draft_pays_on_new),
    )
    AFTER = (
        ("graceful reload (SIGHUP)", reload),
        ("backup and restore drill", backup_and_restore),
        ("serving from the restored database", serve_restored),
    )

    @property
    def steps(self):
        return self.SET_UP + (self.UPGRADE if self.previous else self.FRESH) + self.AFTER


def main(knobs=None):
    knobs = knobs or Knobs.from_env()
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="jobwizard-walk-"))
    walk = Walk(knobs, folder)
    say(f"Walk: docs/operations.md on a clean host, in {folder}")
    try:
        for number, (title, step) in enumerate(walk.steps, 1):
            started = time.monotonic()
            try:
                detail = step(walk)
            except (WalkFailed, subprocess.CalledProcessError, OSError, RuntimeError) as exc:
                say(f"  FAIL  {number}. {title}: {exc}")
                say(f"Walk failed; logs in {walk.logs}")
                return 1
            say(f"  ok    {number}. {title} ({time.monotonic() - started:.1f} s): {detail}")
    finally:
        walk.stop()
    for release in walk.releases:
        shutil.rmtree(release.app, ignore_errors=True)
    say(f"Walk: every step held in {time.monotonic() - began:.0f} s; logs in {walk.logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
