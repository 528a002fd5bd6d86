"""The board's shared response cache: every visitor gets the same page, so it is rendered
once per version of the board and then served from the cache.

**The version** is the time, in nanoseconds, of the last change to anything the board
shows, kept in the database (`BoardVersion`, one row). Every write of a posting that is or
has been published bumps it (post_save and post_delete of JobPosting, which covers
approval, expiry, withdrawal, refunds, staff edits in the admin and a new logo; bulk writes
that bypass save() send `rows_written`), and so does every `migrate` (a release may change
the rows or the code that renders them). The bump is an UPDATE in the transaction that
writes the rows, so other requests see the new version exactly when they see the new rows
(a request that read the old version may render the new rows under it: newer content under
an older version, never the reverse); writers of published postings take turns on the row
until they commit.

**Why the database, not the cache.** The version used to live in Redis. After a database
restore, Redis still held the version of the lost changes and the pages rendered under it,
and served a job the restored database did not have until the next change. In the
database, the restored version is the one that went with the restored rows, and every later
bump is later still (`max(now, version + 1)`), so no page of the lost changes is ever
asked for again. (One narrow exception: a page rendered under the dump's version in the
instant the next change committed may show that change; it expires after
BOARD_PAGE_CACHE_SECONDS.) A change still reaches the board when Redis is down (the bump no
longer depends on it), and conditional GETs are still answered 304 without Redis. The
price is one query a request, by primary key (about 0.35 ms in process on PostgreSQL;
docs/board.md), instead of none; a copy of the version in Redis would have saved it but
brought back the question of when the copy is wrong. A cached page then needs the database
to answer that query.

**The pages.** A board page, a job page or the feed is kept under a key made of the code
that renders it (`code_fingerprint`, so processes of two releases never share pages), the
absolute URL with its query string, and whether htmx asked for the results fragment,
together with the version it was rendered at. One read of the cache (one round trip to
Redis) fetches the page; it is served only if its version is the board's, else rendered
again and replaced. Entries expire after BOARD_PAGE_CACHE_SECONDS. The ETag is made of the
version and the same parts, and Last-Modified is the version's time, so a conditional GET
is answered 304 from the version alone.

**What is cached is the same for everyone.** The board's templates post nothing, so they
carry no CSRF token (which would set a cookie), no session or message, and no CSP nonce
(their only scripts are files from this site, allowed by 'self', and JSON-LD, which is
data, not script). Per-request headers (CSP, X-Request-ID) are added by the middleware to
every response, cached or not. Only complete 200 pages are cached, and only for the
board's own query parameters: anything else is rendered each time.

**Correctness first.** A cache that does not answer costs the page its cache, not the
page: reads and writes that fail are logged and the page is rendered from the database.
The Redis client has short timeouts and leaves a failed Redis alone for a few seconds
(wizard.ops.redis_cache), so a hung Redis does not cost every request its timeout. The
cache must be shared by every web process (see CACHE_URL in docs/configuration.md);
processes with caches of their own would each keep their own pages, still under the one
version in the database.
"""

import hashlib
import logging
import time
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Value
from django.db.models.functions import Greatest
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from wizard.board.models import BoardVersion
from wizard.ops.redis_cache import CacheSkipped
from wizard.postings.models import JobPosting
from wizard.postings.queries import rows_written

logger = logging.getLogger(__name__)

# Browsers and shared caches may store a page but must ask before every use: a page
# changes when staff act, and asking costs a 304 answered from the version alone.
CACHE_CONTROL = {"public": True, "no_cache": True}
# The board's own query parameters; a URL with any other is rendered, not cached (so that
# made-up parameters cannot fill the cache).
BOARD_PARAMETERS = frozenset({"q", "location", "employment_type", "workplace", "remote", "page"})


def _cache():
    return caches["default"]


def now_ns():
    return time.time_ns()


# --- The version -----------------------------------------------------------------------


def current_version():
    """The board's version, read from the database (one query by primary key). A database
    without one (new, or emptied) gets one now: later than any before it."""
    # Every request reads it: in plain SQL, which costs a tenth of the ORM's query.
    table = connection.ops.quote_name(BoardVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE id = %s", [BoardVersion.ROW])
        row = cursor.fetchone()
    if row:
        return row[0]
    created, _ = BoardVersion.objects.get_or_create(
        pk=BoardVersion.ROW, defaults={"version": now_ns()}
    )
    return created.version


def bump():
    """Give the board a new version, later than the current one (whatever the clocks of
    the machines say), in the current transaction if there is one."""
    later = Greatest(F("version") + 1, Value(now_ns(), output_field=BigIntegerField()))
    if not BoardVersion.objects.filter(pk=BoardVersion.ROW).update(version=later):
        current_version()  # none yet: a new one is later than anything before
    transaction.on_commit(tell_the_previous_release, robust=True)


# The release before this one kept the version in the cache under this key. While its web
# processes still serve (a rolling upgrade), every change moves it on for them too. The next
# release drops this (docs/board.md).
PREVIOUS_RELEASE_VERSION_KEY = "board:version"


def tell_the_previous_release():
    try:
        _cache().set(PREVIOUS_RELEASE_VERSION_KEY, now_ns(), timeout=None)
    except Exception:
        logger.info("The previous release's board version could not be moved on", exc_info=True)


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
        bump()


@receiver(rows_written, dispatch_uid="board-rows-written")
def rows_written_in_bulk(sender, **kwargs):
    bump()


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
    Last-Modified, 304). Browsers and shared caches may store them but revalidate every
    time (no-cache), so a reload shows staff's decision at once; the list answers htmx
    with a fragment at the same URL, so they key on htmx's headers."""

    def decorator(view):
        serve = _served_from_cache(kind, view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = serve(request, *args, **kwargs)
            if response.status_code in (200, 304):
                patch_cache_control(response, **CACHE_CONTROL)
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
        # The version from the database, then the page from the cache (a revalidation
        # needs the version only).
        version = current_version()
        entry = cached_entry(key) if use_cache and not conditional else None
        tag = hashlib.sha256(f"{version}|{page}".encode()).hexdigest()[:32]
        etag, last_modified = f'"{kind}-{tag}"', version // 1_000_000_000

        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            if isinstance(not_modified, HttpResponseNotModified):
                validators(not_modified, etag, last_modified)
            return not_modified
        if use_cache and conditional:
            entry = cached_entry(key)

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


def cached_entry(key):
    """The entry at `key`: the (version, content, content type) of the page as last
    rendered, current only if its version is the board's; None when there is none or the
    cache cannot be read."""
    try:
        return _cache().get(key)
    except CacheSkipped:
        return None  # logged when the cache failed (wizard.ops.redis_cache)
    except Exception:
        logger.warning("The board's cache cannot be read: pages are rendered", exc_info=True)
        return None


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
    except CacheSkipped:
        pass
    except Exception:
        logger.warning("The board's cache cannot be written", exc_info=True)
