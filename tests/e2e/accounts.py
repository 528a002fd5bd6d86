"""An employer's account in the browser tests: signed in as a finished sign-in leaves the
session, or signed in through the pages by the emailed code; the emails the worker sends,
waited for as they arrive."""

import re
import threading
from importlib import import_module

from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from wizard.employers.sessions import SESSION_KEY

SIGN_IN_CODE = re.compile(r"\b(\d{6})\b")


def signed_in(context, base_url, account):
    """The browser context signed in to `account`, as a finished sign-in leaves its session
    (the session is made on the server, as tests.accounts.sign_in_as does)."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = {"id": account.pk, "nonce": account.session_nonce}
    session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url}]
    )
    return context


class Outbox(list):
    """mail.outbox that wakes whoever waits for an email, so a test waits for the worker
    thread's email as expect() waits for the page: until it arrives, or fails at a deadline."""

    def __init__(self):
        super().__init__()
        self.arrived = threading.Condition()

    @classmethod
    def install(cls):
        """Replace mail.outbox (pytest-django gives each test an empty one) with this."""
        mail.outbox = cls()
        return mail.outbox

    def append(self, message):
        with self.arrived:
            super().append(message)
            self.arrived.notify_all()

    def wait_for(self, to, subject, timeout=10):
        """The last email to `to` whose subject contains `subject`, once it has arrived."""

        def found():
            matching = [m for m in self if to in m.to and subject in m.subject]
            return matching[-1] if matching else None

        with self.arrived:
            message = self.arrived.wait_for(found, timeout=timeout)
        assert message, f"No email to {to} with {subject!r} within {timeout} s: {self!r}"
        return message


def sign_in_by_code(page, base_url, email, outbox):
    """Sign in on the pages: the address, then the code from the email the worker sends."""
    page.goto(f"{base_url}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    message = outbox.wait_for(email, "sign-in code")
    page.get_by_label("Code").fill(SIGN_IN_CODE.search(message.subject).group(1))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".account-nav").get_by_role("button", name="Sign out")).to_be_visible()


def site_path(url):
    """The site-relative path of an absolute link from an email."""
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1]
