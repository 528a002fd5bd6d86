import shutil
import threading
from pathlib import Path

import pytest
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker

SYSTEM_CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium when it is there (no browser download is possible here)."""
    args = {
        **browser_type_launch_args,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
    if shutil.which(SYSTEM_CHROMIUM):
        args["executable_path"] = SYSTEM_CHROMIUM
    return args


@pytest.fixture
def app(live_server, fakestripe, settings):
    """The app on a live server, with fakestripe delivering its webhooks to it."""
    fakestripe.configure(webhook_url=f"{live_server.url}/stripe/webhook/")
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": ["'self'", fakestripe.url],
    }
    return live_server


class WorkerThread:
    """A real db_worker loop in a thread of this process, so its email lands in mail.outbox."""

    def __init__(self):
        self.worker = Worker(
            queue_names=["default"],
            interval=0.1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="e2e-worker",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.worker.run()
        finally:
            connections.close_all()

    def start(self):
        self.thread.start()

    def stop(self):
        self.worker.running = False
        if self.thread.is_alive():
            self.thread.join(timeout=10)


@pytest.fixture
def paused_worker(transactional_db):
    """The task worker, started by the test when it wants."""
    worker = WorkerThread()
    yield worker
    worker.stop()


@pytest.fixture
def task_worker(paused_worker):
    paused_worker.start()
    return paused_worker


SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def screenshot_path(name):
    """Where a browser test saves a picture of what it checked (var/ is not committed).

    Take it with `caret="initial"`: Playwright's default hides the text caret and leaves an
    empty style="" on form fields, which htmx copies onto their replacements at the next
    swap, and the CSP refuses (an "inline style" violation the test made, not the site).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")
