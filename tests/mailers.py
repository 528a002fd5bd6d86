"""Email backends that misbehave on purpose, for the durable-email tests."""

import json
import os
import time
from http import HTTPStatus
from pathlib import Path

import requests
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ScriptedESP(AnymailTestBackend):
    """anymail's test ESP, answering with the HTTP statuses in `script` first (or raising
    the exceptions there, anymail's own), then success."""

    script: list[int | Exception] = []

    def post_to_esp(self, payload, message):
        if ScriptedESP.script:
            status = ScriptedESP.script.pop(0)
            if isinstance(status, Exception):
                raise status
            response = requests.Response()
            response.status_code = status
            response.reason = HTTPStatus(status).phrase
            response._content = json.dumps({"error": f"scripted {status}"}).encode()
            raise AnymailAPIError(f"ESP answered {status}", status_code=status, response=response)
        return super().post_to_esp(payload, message)


class HangingFileMailer(FileBackend):
    """Writes the message (the provider has it) and then never answers, until killed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_path", os.environ["MAIL_FILE_PATH"])
        super().__init__(**kwargs)

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        Path(self.file_path, "hanging").touch()
        time.sleep(3600)
        return sent
