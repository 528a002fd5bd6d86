"""Employers in tests: an account, and a test client signed in to it."""

from wizard.employers.models import Employer
from wizard.employers.sessions import SESSION_KEY


def employer(email="boss@example.com", **fields):
    return Employer.objects.create(email=email, **fields)


def sign_in_as(client, account):
    """Sign the test client in to `account` as a finished sign-in would."""
    session = client.session
    session[SESSION_KEY] = {"id": account.pk, "nonce": account.session_nonce}
    session.save()
    return client
