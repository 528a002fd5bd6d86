"""Signing in by email in tests, as a visitor does it: ask for a code, read the email."""

import re
from dataclasses import dataclass

from django.core import mail

from wizard.employers.models import Employer
from wizard.employers.sessions import SESSION_KEY


@dataclass(frozen=True)
class Emailed:
    code: str
    link: str  # the path of the sign-in link, /account/sign-in/<token>/
    message: object


def ask_code(client, email, **data):
    return client.post("/account/sign-in/", {"email": email, **data})


def last_sign_in_email(run_tasks):
    """The code and link of the newest sign-in email, once the worker has sent it."""
    run_tasks()
    message = [m for m in mail.outbox if "sign-in code" in m.subject][-1]
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    link = re.search(r"https?://[^/\s]+(/account/sign-in/[^/\s]+/)", message.body).group(1)
    return Emailed(code=code, link=link, message=message)


def enter_code(client, code, **data):
    return client.post("/account/sign-in/code/", {"code": code, **data})


def signed_in_email(client):
    """The address the client is signed in as, or None (as the next request would see it)."""
    response = client.get("/account/sign-out/")
    if response.status_code != 200:
        return None
    held = client.session.get(SESSION_KEY)
    return Employer.objects.get(pk=held["id"]).email if held else None
