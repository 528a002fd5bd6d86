"""Signing in by email, as the pages use it: asking for a code (within the limits), and
what a successful sign-in does (the account made at the first one, the browser's drafts
adopted, postings sent to the address offered).

The limits (wizard.limits) are counted in the request's transaction: per address
(SIGN_IN_CODES_PER_ADDRESS_PER_HOUR) and per client address (…_PER_CLIENT_PER_HOUR). Over
the address's limit the visitor is answered as if a code was sent (it is not), so that
the answer never tells whether an address has an account, or was asked for before.
"""

from enum import Enum

from django.db import transaction

from wizard import limits
from wizard.effects import sign_in_email
from wizard.employers import sessions
from wizard.employers.models import Employer, normalise_email
from wizard.employers.sign_in import create
from wizard.flow.ownership import SESSION_KEY as OWNED_POSTINGS
from wizard.postings.models import JobPosting


class Asked(Enum):
    SENT = "sent"
    ADDRESS_LIMIT = "address_limit"  # answered like SENT
    CLIENT_LIMIT = "client_limit"


class _Refused(Exception):
    def __init__(self, outcome):
        self.outcome = outcome


def ask(email, client_address):
    """Email a new code and link to `email`, unless a limit refuses: then nothing at all
    is counted, stored or sent."""
    email = normalise_email(email)
    try:
        with transaction.atomic():
            if not limits.SIGN_IN_TO_ADDRESS.take(email):
                raise _Refused(Asked.ADDRESS_LIMIT)
            if client_address and not limits.SIGN_IN_PER_CLIENT.take(client_address):
                raise _Refused(Asked.CLIENT_LIMIT)
            request = create(email)
            sign_in_email.queue(request, Employer.objects.with_email(email).first())
    except _Refused as refused:
        return refused.outcome
    return Asked.SENT


def finish(http_request, sign_in_request):
    """The address is proven: sign this browser in to its account (made now, the first
    time), and give the account the drafts this browser holds that have no employer."""
    employer, _ = Employer.objects.get_or_create(email=sign_in_request.email)
    sign_in_email.adopt(sign_in_request, employer)
    sessions.sign_in(http_request, employer)
    held = http_request.session.get(OWNED_POSTINGS, [])
    JobPosting.objects.filter(pk__in=held, employer=None).update(employer=employer)
    return employer


def offered(employer):
    """Postings made before, without signing in, whose receipt went to the address the
    employer has just proven: paid ones (their confirmation was emailed there), of no
    account yet."""
    return JobPosting.objects.filter(
        employer=None, paid_at__isnull=False, contact_email__iexact=employer.email
    ).order_by("-paid_at")


def add_offered(employer, posting_ids):
    """Add those of `posting_ids` that are still offered to the employer. Returns how many."""
    return offered(employer).filter(pk__in=posting_ids).update(employer=employer)
