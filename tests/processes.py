"""Real app processes for tests: manage.py commands and gunicorn as subprocesses against
the test database, each writing its output to a log file, all killed at the end."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A plain host's PATH: no virtualenv on it, so only bin/python finds the project's.
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin"


def procfile(path=PROJECT_ROOT / "Procfile"):
    """The Procfile's process types: {"release": command, "web": command, ...}."""
    commands = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


def database_url():
    """The test database, as a DATABASE_URL for the subprocesses."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"  # a file: see django_db_modify_db_settings
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def app_environment(**values):
    """This process's environment without the app's own settings (the test's settings are
    not the subprocesses'), plus `values`."""
    own = ("STRIPE_", "DATABASE_", "CRONTASK_", "AWS_", "LOG_", "METRICS_", "MAIL_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(own)}
    # DEBUG stays on unless `values` turn it off (tests/settings.py).
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1"})
    env.update({"DEBUG": "true", **values})
    return env


class Processes:
    """Start manage.py commands (start) or any program (run); remember them so that all can
    be killed at the end."""

    def __init__(self, env, log_dir):
        self.env = env
        self.log_dir = log_dir
        self.started = []

    def start(self, *command):
        return self.run([sys.executable, "manage.py", *command], name=command[0])

    def run(self, argv, name):
        log = self.log_dir / f"{len(self.started)}-{name}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                argv, cwd=PROJECT_ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        self.started.append((process, log))
        return process

    def log_of(self, process):
        return next(log for started, log in self.started if started is process).read_text(
            errors="replace"
        )

    def kill(self, process):
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def kill_all(self):
        for process, _ in self.started:
            if process.poll() is None:
                self.kill(process)

    def output(self):
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')}" for _, log in self.started
        )
