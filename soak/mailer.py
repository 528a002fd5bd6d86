"""The email backend of the soak's app processes (MAIL_BACKEND=soak.mailer.FlakyMailer).

It behaves like an ESP reached over the network: each send takes a little while, a share
of them (SOAK_MAIL_FAILURE_RATE) fails with a transient error the runner retries (a
dropped connection, or the server's 421), and what it accepts it records, one JSON file
per message in SOAK_MAIL_DIR, with the job id and attempt of its X-Jobwizard-Email (or,
for a staff digest, X-Jobwizard-Staff-Alert) header.
The soak counts those files: a second file for one effect is a duplicate.

The pause after a message is recorded is the ESP's answer on its way back: a worker
killed then has sent the email without recording it, the case that costs a duplicate.
"""

import json
import os
import random
import smtplib
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

HEADER = "X-Jobwizard-Email"
STAFF_ALERT_HEADER = "X-Jobwizard-Staff-Alert"  # a staff notices' digest: its job / attempt


class FlakyMailer(BaseEmailBackend):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.folder = Path(os.environ["SOAK_MAIL_DIR"])
        self.failure_rate = float(os.environ.get("SOAK_MAIL_FAILURE_RATE", "0.1"))

    def send_messages(self, email_messages):
        for message in email_messages:
            time.sleep(random.uniform(0.02, 0.25))  # the request on its way
            if random.random() < self.failure_rate:
                self._record("failed", message)
                if random.random() < 0.5:
                    raise smtplib.SMTPServerDisconnected("soak: connection lost (injected)")
                raise smtplib.SMTPResponseException(421, b"soak: try again later (injected)")
            self._record("sent", message)
            time.sleep(random.uniform(0.02, 0.25))  # the answer on its way back
        return len(email_messages)

    def _record(self, outcome, message):
        headers = message.extra_headers
        job = headers.get(HEADER) or headers.get(STAFF_ALERT_HEADER, "/")
        effect_id, _, attempt = job.partition("/")
        entry = {
            "outcome": outcome,
            "effect": effect_id,
            "attempt": attempt,
            "to": list(message.to),
            "subject": message.subject,
            "pid": os.getpid(),
            "at": time.time(),
        }
        name = f"{time.time_ns()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        partial = self.folder / f".{name}.tmp"
        partial.write_text(json.dumps(entry))
        partial.rename(self.folder / f"{name}.{outcome}.json")  # whole, or not at all


def read_log(folder):
    """Every message the mailer handled: a list of the dicts it recorded."""
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json"))]
