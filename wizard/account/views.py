"""The sign-in pages: ask for a code by email, enter it (or open the emailed link and
press "Sign in"), postings found for the proven address, and signing out.

Every change is a POST: a GET of the emailed link only shows its "Sign in" button, so a
mail scanner that opens links signs no one in.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods, require_POST

from wizard.account import sign_in as signing_in
from wizard.account.access import employer_required, safe_next
from wizard.account.forms import CodeForm, EmailForm
from wizard.employers import sessions
from wizard.employers.models import normalise_email
from wizard.employers.sign_in import SignInFailed, check_link, use_code, use_link
from wizard.postings.zones import posting_zone
from wizard.web.client import client_address

PENDING = "sign_in_email"  # the session's address waiting for its code

CODE_ERRORS = {
    "wrong": "The code is not right. Check the 6 digits in the email we sent and try again",
    "dead": "You entered a wrong code too many times, so this code no longer works. "
    "Ask for a new code",
    "expired": "This code has expired or a newer one was sent. Ask for a new code",
    "used": "This code was already used. Ask for a new code",
}


def _with_next(url_name, next_url):
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _next(request):
    return safe_next(request, "")


def _go_on(request, employer):
    """After signing in: the postings found for the address first, if any, else `next`."""
    if signing_in.offered(employer).exists():
        return redirect(_with_next("wizard:sign_in_found", _next(request)))
    return redirect(_next(request) or "wizard:account_postings")


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if request.method == "GET" and sessions.current_employer(request) is not None:
        return redirect(_next(request) or "wizard:account_postings")
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = normalise_email(form.cleaned_data["email"])
        asked = signing_in.ask(email, client_address(request))
        if asked is signing_in.Asked.CLIENT_LIMIT:
            return render(request, "account/too_many_codes.html", status=429)
        # Sent, or over the address's limit: the same answer (it must not tell which).
        request.session[PENDING] = email
        return redirect(_with_next("wizard:sign_in_code", _next(request)))
    status = 422 if form.errors else 200
    context = {"form": form, "error_forms": [form] if form.errors else [], "next": _next(request)}
    return render(request, "account/sign_in.html", context, status=status)


@require_http_methods(["GET", "POST"])
def enter_code(request):
    email = request.session.get(PENDING)
    if not email:
        return redirect(_with_next("wizard:sign_in", _next(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sign_in_request = use_code(email, form.cleaned_data["code"])
        except SignInFailed as failed:
            form.add_error("code", CODE_ERRORS.get(failed.reason, CODE_ERRORS["expired"]))
        else:
            request.session.pop(PENDING, None)
            employer = signing_in.finish(request, sign_in_request)
            return _go_on(request, employer)
    context = {
        "form": form,
        "error_forms": [form] if form.errors else [],
        "email": email,
        "minutes": settings.SIGN_IN_CODE_MINUTES,
        "next": _next(request),
    }
    return render(request, "account/check_email.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def link(request, token):
    try:
        sign_in_request = use_link(token) if request.method == "POST" else check_link(token)
    except SignInFailed as failed:
        status = 400 if failed.reason == "invalid" else 410
        return render(
            request, "account/link_invalid.html", {"reason": failed.reason}, status=status
        )
    if request.method == "GET":
        return render(request, "account/sign_in_link.html")
    request.session.pop(PENDING, None)
    return _go_on(request, signing_in.finish(request, sign_in_request))


@require_http_methods(["GET", "POST"])
@employer_required
def found(request):
    """Postings sent to the proven address before it had an account: offered, added on POST."""
    if request.method == "POST":
        ids = [each for each in request.POST.getlist("posting") if _is_uuid(each)]
        added = signing_in.add_offered(request.employer, ids)
        if added:
            messages.success(
                request, f"{added} posting{'s' if added != 1 else ''} added to your account."
            )
        return redirect(_next(request) or "wizard:account_postings")
    postings = list(signing_in.offered(request.employer))
    for posting in postings:
        posting.paid_on = localtime(posting.paid_at, posting_zone(posting)).date()
    if not postings:
        return redirect(_next(request) or "wizard:account_postings")
    context = {"postings": postings, "email": request.employer.email, "next": _next(request)}
    return render(request, "account/found.html", context)


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@require_http_methods(["GET", "POST"])
def sign_out(request):
    """GET: the choice (this browser, or everywhere); POST: sign this browser out."""
    if request.method == "GET":
        if sessions.current_employer(request) is None:
            return redirect("wizard:sign_in")
        return render(request, "account/sign_out.html")
    sessions.sign_out(request)
    messages.success(request, "You have signed out.")
    return redirect("wizard:sign_in")


@require_POST
@employer_required
def sign_out_everywhere(request):
    sessions.sign_out_everywhere(request.employer)
    sessions.sign_out(request)
    messages.success(request, "You have signed out in every browser and on every device.")
    return redirect("wizard:sign_in")
