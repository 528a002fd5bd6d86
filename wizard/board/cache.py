"""The board's shared response cache: every visitor gets the same page, so it is rendered
once per version of the board and then served from the cache, with no database query.

**The version.** One value in the cache (`VERSION_KEY`): the time, in nanoseconds, of the
last change to anything the board shows. Every write of a posting that is or has been
published bumps it (post_save and post_delete of JobPosting, which covers approval,
expiry, withdrawal, refunds, staff edits in the admin and a new logo; bulk writes that
bypass save() send `rows_written`), and so does every `migrate` (a release may change
the rows or the code that renders them). A bump happens at once, and again when the
transaction commits: a request that read the rows before the commit may cache them under
the first new version, never under the one readers use after the commit.

**The pages.** A board page, a job page or the feed is kept under a key made of the code
that renders it (`code_fingerprint`, so processes of two releases never share pages), the
absolute URL with its query string, and whether htmx asked for the results fragment,
together with the version it was rendered at. One read (`get_many`: one round trip to
Redis) fetches the version and the page; the page is served only if its version is the
board's, else rendered again and replaced. Entries expire after BOARD_PAGE_CACHE_SECONDS.
The ETag is made of the version and the same parts, and Last-Modified is the version's
time, so a conditional GET is answered 304 from the version alone.

**What is cached is the same for everyone.** The board's templates post nothing, so they
carry no CSRF token (which would set a cookie), no session or message, and no CSP nonce
(their only scripts are files from this site, allowed by 'self', and JSON-LD, which is
data, not script). Per-request headers (CSP, X-Request-ID) are added by the middleware to
every response, cached or not. Only complete 200 pages are cached, and only for the
board's own query parameters: anything else is rendered each time.

**Correctness first.** A cache that does not answer costs the page its cache, not the
page: reads and writes that fail are logged and the page is rendered from the database.
The cache must be shared by every process that writes postings or serves the board (see
CACHE_URL in docs/configuration.md): a version bumped in a cache the web processes do not read
would leave them showing a withdrawn job until BOARD_PAGE_CACHE_SECONDS pass.
"""

import hashlib
import logging
import time
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from wizard.postings.models import JobPosting
from wizard.postings.queries import rows_written

logger = logging.getLogger(__name__)

VERSION_KEY = "board:version"
# How long browsers and shared caches may keep a page (and its 304s).
MAX_AGE_SECONDS = 60
# The board's own query parameters; a URL with any other is rendered, not cached (so that
# made-up parameters cannot fill the cache).
BOARD_PARAMETERS = frozenset({"q", "location", "employment_type", "workplace", "remote", "page"})


def _cache():
    return caches["default"]


def now_ns():
    return time.time_ns()


# --- The version -----------------------------------------------------------------------


def current_version():
    """The board's version (nanoseconds since the epoch of its last change), or None when
    the cache cannot be reached. A lost version (evicted, or a new cache) starts again
    from now: later than any version before it, so no old page is served."""
    cache = _cache()
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, now_ns(), timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:
        logger.warning("The board's cache cannot be read: pages are rendered", exc_info=True)
        return None
    return version


def bump():
    """Give the board a new version, later than the current one (whatever the clocks of
    the machines say)."""
    cache = _cache()
    try:
        previous = cache.get(VERSION_KEY) or 0
        cache.set(VERSION_KEY, max(now_ns(), previous + 1), timeout=None)
    except Exception:
        logger.error(
            "The board's version could not be changed: pages cached before may be shown "
            "for up to BOARD_PAGE_CACHE_SECONDS",
            exc_info=True,
        )


def board_changed():
    """Something the board shows changed: a new version now, and again once the current
    transaction (if any) commits."""
    bump()
    transaction.on_commit(bump, robust=True)


def shows_on_board(posting):
    """Whether a write of this posting can change a board page: it is published, or has
    been (it may just have left the board). A posting loaded without those fields counts
    as shown: reading them would cost a query (and a reload, which django-fsm makes unsafe
    across threads; see JobPosting)."""
    if {"status", "published_at"} & posting.get_deferred_fields():
        return True
    return posting.is_public or posting.published_at is not None


@receiver(post_save, sender=JobPosting, dispatch_uid="board-posting-saved")
@receiver(post_delete, sender=JobPosting, dispatch_uid="board-posting-deleted")
def posting_written(sender, instance, **kwargs):
    if shows_on_board(instance):
        board_changed()


@receiver(rows_written, dispatch_uid="board-rows-written")
def rows_written_in_bulk(sender, **kwargs):
    board_changed()


@receiver(post_migrate, dispatch_uid="board-migrated")
def migrated(sender, app_config, **kwargs):
    if app_config.label == "wizard":
        bump()


# --- The code that renders -------------------------------------------------------------


@lru_cache(maxsize=1)
def code_fingerprint():
    """A digest of the templates, the app's code and the static files' manifest: two
    releases (during a rolling deploy) never serve each other's pages."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    files = [
        *sorted((base / "templates").rglob("*.html")),
        *sorted((base / "wizard").rglob("*.py")),
    ]
    files.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    for path in files:
        if path.is_file():
            digest.update(
                str(path.relative_to(base) if path.is_relative_to(base) else path).encode()
            )
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- The pages -------------------------------------------------------------------------


def wants_fragment(request):
    """htmx's own requests get the results fragment; boosts and history restores a page."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def cacheable(request):
    return set(request.GET) <= BOARD_PARAMETERS


def shared_page(kind):
    """Serve the view's 200 responses from the shared cache while the board's version
    stays the same, and answer conditional GETs from the version alone (ETag,
    Last-Modified, 304). Browsers and shared caches may keep them for a minute; the list
    answers htmx with a fragment at the same URL, so they key on htmx's headers."""

    def decorator(view):
        serve = _served_from_cache(kind, view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = serve(request, *args, **kwargs)
            if response.status_code in (200, 304):
                patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
                patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
            return response

        return wrapper

    return decorator


def _served_from_cache(kind, view):
    def serve(request, *args, **kwargs):
        variant = "fragment" if wants_fragment(request) else "page"
        page = "|".join([kind, variant, code_fingerprint(), request.build_absolute_uri()])
        key = f"board:page:{hashlib.sha256(page.encode()).hexdigest()[:32]}"
        use_cache = cacheable(request)
        conditional = "HTTP_IF_NONE_MATCH" in request.META or (
            "HTTP_IF_MODIFIED_SINCE" in request.META
        )
        # One round trip to the cache: the version and the page's entry together (a
        # revalidation needs the version only).
        version, entry = versioned_entry(key if use_cache and not conditional else None)
        if version is None:
            return view(request, *args, **kwargs)
        tag = hashlib.sha256(f"{version}|{page}".encode()).hexdigest()[:32]
        etag, last_modified = f'"{kind}-{tag}"', version // 1_000_000_000

        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            if isinstance(not_modified, HttpResponseNotModified):
                validators(not_modified, etag, last_modified)
            return not_modified
        if use_cache and conditional:
            _, entry = versioned_entry(key)

        if entry is not None and entry[0] == version:
            _, content, content_type = entry
            response = HttpResponse(content, content_type=content_type)
            response["X-Board-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if use_cache and same_for_everyone(request, response):
                _set(key, (version, response.content, response["Content-Type"]))
            response["X-Board-Cache"] = "miss" if use_cache else "bypass"
        validators(response, etag, last_modified)
        return response

    return serve


def versioned_entry(key):
    """The board's version and the entry at `key` (if any) in one read: (None, None) when
    the cache cannot be reached. The entry is the (version, content, content type) of the
    page as last rendered: current only if its version is the board's."""
    if key is None:
        return current_version(), None
    try:
        found = _cache().get_many([VERSION_KEY, key])
    except Exception:
        logger.warning("The board's cache cannot be read: pages are rendered", exc_info=True)
        return None, None
    if VERSION_KEY not in found:
        return current_version(), None
    return found[VERSION_KEY], found.get(key)


def same_for_everyone(request, response):
    """Nothing in the response belongs to this visitor: no cookie, no session read (the
    session middleware would add Vary: Cookie), no CSRF token, no CSP nonce. A template
    that starts using one is then rendered for each visitor, never cached."""
    session = getattr(request, "session", None)
    nonce = getattr(request, "_csp_nonce", None)
    personal = (
        response.streaming
        or response.cookies
        or (session is not None and session.accessed)
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or bool(nonce)
    )
    if personal:
        logger.warning("Board page %s is not cached: it holds per-visitor data", request.path)
    return not personal


def validators(response, etag, last_modified):
    # A view's own Last-Modified (the feed's latest entry) would go back in time when the
    # newest posting leaves: the version's time never does.
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)


def _set(key, value):
    try:
        _cache().set(key, value, timeout=settings.BOARD_PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("The board's cache cannot be written", exc_info=True)
