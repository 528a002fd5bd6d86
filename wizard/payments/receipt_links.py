"""The signed link to a payment's receipt or invoice, as the confirmation email and the
posting's page carry it, for employers with or without an account.

It signs the PaymentAttempt's id alone (django.core.signing, a salt of its own, so
SECRET_KEY_FALLBACKS cover it across a key rotation) and does not expire: it opens that
one payment's documents and nothing else, as Stripe's own hosted invoice address does.
It is made before Stripe has finished the invoice; the link resolves when it is opened
(wizard.account.receipts).
"""

from django.core import signing
from django.urls import reverse

from wizard.postings.links import LinkInvalid, absolute

SALT = "jobwizard.receipt"


def make_token(attempt_id):
    return signing.Signer(salt=SALT).sign(str(attempt_id))


def receipt_path(attempt_id):
    """The receipt link's path, for the site's own pages."""
    return reverse("wizard:receipt_link", args=[make_token(attempt_id)])


def receipt_link(attempt_id):
    """The receipt link's absolute address (SITE_URL), for emails."""
    return absolute(receipt_path(attempt_id))


def read_token(token):
    """The attempt id a token was made for; LinkInvalid for anything else."""
    try:
        return int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise LinkInvalid() from None
