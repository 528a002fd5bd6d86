"""Which employer a browser session is signed in to.

The session holds the employer's id and the account's `session_nonce` at sign-in; a
session whose nonce is no longer the account's (after "sign out everywhere") is signed
out at its next request, and emptied, as signing out this browser empties it. The
session key is cycled on sign-in (no fixation); a session that held another employer's
sign-in is emptied first, as django.contrib.auth's login does, so the drafts it holds
(theirs) are not the next employer's to open or adopt."""

from django.utils import timezone

from wizard.employers.models import Employer, new_nonce

SESSION_KEY = "employer"
_CACHE = "_jobwizard_employer"


def current_employer(request):
    """The signed-in employer, or None (one query per request at most)."""
    if hasattr(request, _CACHE):
        return getattr(request, _CACHE)
    employer = None
    held = request.session.get(SESSION_KEY)
    if held:
        employer = Employer.objects.filter(pk=held.get("id")).first()
        if employer is None or employer.session_nonce != held.get("nonce"):
            # Signed out everywhere: the drafts this session holds go with the sign-in.
            request.session.flush()
            employer = None
    setattr(request, _CACHE, employer)
    return employer


def sign_in(request, employer):
    """Sign this browser in to `employer`; an anonymous session's postings stay owned."""
    held = request.session.get(SESSION_KEY)
    if held and held.get("id") != employer.pk:
        request.session.flush()
    else:
        request.session.cycle_key()
    request.session[SESSION_KEY] = {"id": employer.pk, "nonce": employer.session_nonce}
    Employer.objects.filter(pk=employer.pk).update(last_signed_in_at=timezone.now())
    setattr(request, _CACHE, employer)


def sign_out(request):
    """Sign this browser out (its session, and the postings it holds, are forgotten)."""
    request.session.flush()
    setattr(request, _CACHE, None)


def sign_out_everywhere(employer):
    """Every session signed in to `employer` is signed out at its next request."""
    employer.session_nonce = new_nonce()
    Employer.objects.filter(pk=employer.pk).update(session_nonce=employer.session_nonce)
