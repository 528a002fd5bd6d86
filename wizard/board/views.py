"""The public job board: the list of published postings, with filters, and each posting.

Only JobPosting.objects.published() rows are ever shown. Every page is the same for every
visitor: it is rendered once per version of the board and served from the shared cache
(wizard.board.cache), which also answers conditional GETs (ETag, Last-Modified, 304)
from the board's version alone; browsers and shared caches revalidate a page every time
(Cache-Control: no-cache), so a reload shows staff's decisions at once.
Search is full-text on PostgreSQL (wizard.board.search).
"""

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from wizard.board import counts, jsonld
from wizard.board.cache import shared_page, wants_fragment
from wizard.board.pages import CappedPaginator
from wizard.board.search import BOARD_ORDER, in_order, locate, search
from wizard.postings.models import EmploymentType, JobPosting, Workplace

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
    "featured",  # the marker (templates/board/list.html)
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
        """Apply the valid filters, in the board's order (`BOARD_ORDER`: featured first,
        then newest), a search's matches too; an invalid value is ignored rather than
        refused."""
        self.is_valid()
        data = self.cleaned_data
        if location := data.get("location", "").strip():
            # "Berlin, Germany": every part must match.
            for part in filter(None, (part.strip() for part in location.split(","))):
                postings = locate(postings, part)
        if employment_type := data.get("employment_type"):
            postings = postings.filter(employment_type=employment_type)
        if workplace := data.get("workplace"):
            postings = postings.filter(workplace=workplace)
        if q := data.get("q", "").strip():
            return search(postings, q)
        return postings.order_by(*BOARD_ORDER)


def on_board():
    """The published postings, less any without a slug (approval always gives one): a row
    the board could not link to must not break the page for everyone."""
    return JobPosting.objects.published().filter(slug__gt="")


# --- The list ------------------------------------------------------------------------


# The board's pages are the same for everyone: no CSP nonce in them (their scripts are
# files from this site, allowed by 'self'), so that they can be cached and shared.
NO_NONCE = {"csp_nonce": None}


@require_safe
@shared_page("board")
def board(request):
    form = BoardFilterForm(request.GET)
    postings = form.filter(on_board().only(*LIST_FIELDS))
    # A search of several words counts its matches to a lower limit: PostgreSQL checks
    # postings in turn until the limit is found, slow for two common words at 1,001, while a
    # lower limit would send one rare word the same way (docs/board.md, "At a million
    # postings").
    words = len(form.cleaned_data.get("q", "").split())
    limit = settings.BOARD_SEARCH_COUNT_LIMIT if words > 1 else settings.BOARD_COUNT_LIMIT
    paginator = CappedPaginator(postings, settings.BOARD_PAGE_SIZE, limit)
    # The count comes first; the page's query shape follows it (wizard.board.search).
    paginator.object_list = in_order(postings, few=not paginator.capped)
    page = paginator.get_page(request.GET.get("page"))
    filtered = any(form.cleaned_data.get(name) for name in form.fields)
    context = {"form": form, "page": page, "filtered": filtered, **NO_NONCE}
    template = "board/list.html#results" if wants_fragment(request) else "board/list.html"
    return render(request, template, context)


# --- One posting ------------------------------------------------------------------------


@require_safe
@counts.counts_views
@shared_page("job")
def job(request, slug):
    posting = JobPosting.objects.published().filter(slug=slug).defer("search_vector").first()
    if posting is None:
        raise Http404("No such job on the board.")
    data = jsonld.job_posting_jsonld(posting, request)
    context = {
        "posting": posting,
        "jsonld": jsonld.script_json(data) if data else "",
        **NO_NONCE,
    }
    return render(request, "board/detail.html", context)


class ApplyRedirect(HttpResponseRedirect):
    allowed_schemes = ["http", "https", "mailto"]


@require_safe
@never_cache
def apply(request, slug):
    """The job page's Apply links go through here, so that a click is counted: to the
    posting's apply URL, or with `?by=email` (or when it has no URL) to an email to its
    apply address. Only ever where the posting itself says: no open redirect."""
    fields = ["id", "status", "slug", "title", "apply_url", "apply_email"]
    # The slug is unique: no ORDER BY (first() would add one).
    posting = next(iter(on_board().filter(slug=slug).only(*fields)[:1]), None)
    if posting is None:
        raise Http404("No such job on the board.")
    by_email = request.GET.get("by") == "email" or not posting.apply_url
    if by_email and posting.apply_email:
        address = quote(posting.apply_email, safe="@")
        target = f"mailto:{address}?subject={quote(posting.title, safe='')}"
    elif posting.apply_url:
        target = posting.apply_url
    else:
        raise Http404("This job gives no way to apply.")
    if counts.by_a_person(request):
        counts.count(counts.APPLY_CLICKS, slug)
    return ApplyRedirect(target)


def indexnow_key(request, key):
    """IndexNow checks that the site owns its key by fetching /<key>.txt."""
    if not settings.INDEXNOW_KEY or key != settings.INDEXNOW_KEY:
        raise Http404("No such key.")
    return HttpResponse(key, content_type="text/plain; charset=utf-8")
