"""The public job board: the list of published postings, with filters, and each posting.

Only JobPosting.objects.published() rows are ever shown. Both pages answer conditional
GETs (ETag and Last-Modified, from one cheap query) with 304, and may be cached by
browsers and shared caches for BOARD_CACHE_SECONDS.
"""

import hashlib
from functools import wraps

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition, require_safe
from django_countries import countries

from wizard.board import jsonld
from wizard.postings.models import EmploymentType, JobPosting, Workplace

BOARD_CACHE_SECONDS = 60

# The only columns the board renders: nothing per row touches another table. `status` is
# read by django-fsm's ConcurrentTransitionMixin as each row is built: deferring it would
# cost one query per row.
LIST_FIELDS = [
    "id",
    "status",
    "slug",
    "title",
    "company_name",
    "logo",
    "workplace",
    "city",
    "region",
    "country",
    "applicant_countries",
    "employment_type",
    "salary_min",
    "salary_max",
    "salary_currency",
    "published_at",
    "updated_at",
]


class BoardFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, company, keyword…"}),
    )
    location = forms.CharField(
        label="Location",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "City or country"}),
    )
    employment_type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any type"), *EmploymentType.choices],
    )
    workplace = forms.ChoiceField(
        label="Workplace",
        required=False,
        choices=[("", "Any workplace"), *Workplace.choices],
    )

    def __init__(self, data=None, **kwargs):
        # Links made before the workplace filter said "?remote=on" for "Remote only".
        if data is not None and data.get("remote") and not data.get("workplace"):
            data = data.copy()
            data["workplace"] = Workplace.REMOTE
        super().__init__(data, **kwargs)

    def filter(self, postings):
        """Apply the valid filters; an invalid value is ignored rather than refused."""
        self.is_valid()
        data = self.cleaned_data
        if q := data.get("q", "").strip():
            postings = postings.filter(
                Q(title__icontains=q)
                | Q(company_name__icontains=q)
                | Q(description__icontains=q)
                | located_in(q)
            )
        if location := data.get("location", "").strip():
            # "Berlin, Germany": every part must match.
            for part in filter(None, (part.strip() for part in location.split(","))):
                postings = postings.filter(located_in(part))
        if employment_type := data.get("employment_type"):
            postings = postings.filter(employment_type=employment_type)
        if workplace := data.get("workplace"):
            postings = postings.filter(workplace=workplace)
        return postings


# What people call countries that django-countries names otherwise.
COUNTRY_ALIASES = {"uk": "GB", "usa": "US", "america": "US", "britain": "GB", "holland": "NL"}


def country_codes(text):
    """The codes of the countries `text` may mean: its code ("DE"), a common alias
    ("UK"), or the start of a word of its name ("germ", "kingdom")."""
    text = text.strip().lower()
    if len(text) < 2:
        return set()
    codes = {code for code, name in countries if name.lower().startswith(text)} | {
        code
        for code, name in countries
        if any(word.startswith(text) for word in name.lower().replace(",", " ").split())
    }
    if text.upper() in countries:
        codes.add(text.upper())
    if text in COUNTRY_ALIASES:
        codes.add(COUNTRY_ALIASES[text])
    return codes


def located_in(text):
    """Jobs whose office's city, region or country matches `text`, and remote jobs open
    to applicants living in a country it names."""
    match = Q(city__icontains=text) | Q(region__icontains=text)
    codes = country_codes(text)
    if codes:
        match |= Q(country__in=codes)
        # applicant_countries holds codes joined by commas: two letters in a row are
        # always one whole code.
        for code in sorted(codes):
            match |= Q(applicant_countries__contains=code)
    return match


def on_board():
    """The published postings, less any without a slug (approval always gives one): a row
    the board could not link to must not break the page for everyone."""
    return JobPosting.objects.published().exclude(slug__isnull=True).exclude(slug="")


def public_cache(view):
    """Let browsers and shared caches keep the page (and its 304s) for a minute. The list
    answers htmx with a fragment at the same URL, so caches must key on htmx's headers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=BOARD_CACHE_SECONDS)
            patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
        return response

    return wrapper


def wants_fragment(request):
    """htmx's own requests get the results fragment; boosts and history restores a page."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# --- The list ------------------------------------------------------------------------


def board_state(request):
    """What the list depends on, in one query: how many postings are published, and when
    the latest posting that is or ever was published changed. Counting postings that have
    left the board keeps Last-Modified from going backwards when the newest one is
    withdrawn or expires (every status change saves the row). Memoised on the request:
    both validators use it."""
    if not hasattr(request, "_board_state"):
        published = JobPosting.objects.published().values("pk")
        request._board_state = JobPosting.objects.filter(
            Q(published_at__isnull=False) | Q(pk__in=published)
        ).aggregate(count=Count("pk", filter=Q(pk__in=published)), latest=Max("updated_at"))
    return request._board_state


def board_etag(request):
    state = board_state(request)
    latest = state["latest"].isoformat() if state["latest"] else "-"
    variant = "fragment" if wants_fragment(request) else "page"
    key = f"{state['count']}|{latest}|{variant}|{request.META.get('QUERY_STRING', '')}"
    return f'"board-{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def board_last_modified(request):
    return board_state(request)["latest"]


@require_safe
@public_cache
@condition(etag_func=board_etag, last_modified_func=board_last_modified)
def board(request):
    form = BoardFilterForm(request.GET)
    postings = form.filter(on_board()).only(*LIST_FIELDS).order_by("-published_at", "-pk")
    page = Paginator(postings, settings.BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(form.cleaned_data.get(name) for name in form.fields)
    context = {"form": form, "page": page, "filtered": filtered}
    template = "board/list.html#results" if wants_fragment(request) else "board/list.html"
    return render(request, template, context)


# --- One posting ------------------------------------------------------------------------


def published_posting(request, slug):
    """The published posting at `slug`, or None; one query, memoised on the request."""
    if not hasattr(request, "_board_posting"):
        request._board_posting = JobPosting.objects.published().filter(slug=slug).first()
    return request._board_posting


def job_etag(request, slug):
    posting = published_posting(request, slug)
    if posting is None:
        return None
    return f'"job-{posting.pk.hex}-{posting.updated_at.timestamp():.6f}"'


def job_last_modified(request, slug):
    posting = published_posting(request, slug)
    return posting.updated_at if posting else None


@require_safe
@public_cache
@condition(etag_func=job_etag, last_modified_func=job_last_modified)
def job(request, slug):
    posting = published_posting(request, slug)
    if posting is None:
        raise Http404("No such job on the board.")
    data = jsonld.job_posting_jsonld(posting, request)
    context = {
        "posting": posting,
        "jsonld": jsonld.script_json(data) if data else "",
    }
    return render(request, "board/detail.html", context)


def indexnow_key(request, key):
    """IndexNow checks that the site owns its key by fetching /<key>.txt."""
    if not settings.INDEXNOW_KEY or key != settings.INDEXNOW_KEY:
        raise Http404("No such key.")
    return HttpResponse(key, content_type="text/plain; charset=utf-8")
