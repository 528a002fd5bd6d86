"""Who may open an account page: the signed-in employer, and only for what is theirs."""

from functools import wraps

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from wizard.employers.sessions import current_employer

SIGN_IN = "wizard:sign_in"


def sign_in_url(next_url=""):
    url = reverse(SIGN_IN)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def safe_next(request, fallback):
    """The `next` page to go to after signing in, if it is this site's own."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed else fallback


def employer_required(view):
    """The view runs with `request.employer` set; anyone else is sent to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        employer = current_employer(request)
        if employer is None:
            return redirect(sign_in_url(request.get_full_path()))
        request.employer = employer
        return view(request, *args, **kwargs)

    return wrapper


def own(postings, employer, **lookup):
    """One of the employer's postings (or payment attempts…, by `lookup`), else a 404:
    another employer's posting is indistinguishable from none."""
    found = postings.filter(**lookup).filter(**{_owner_path(postings): employer}).first()
    if found is None:
        raise Http404("Not found.")
    return found


def _owner_path(postings):
    return "employer" if postings.model._meta.model_name == "jobposting" else "posting__employer"
