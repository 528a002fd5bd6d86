"""Views of a job page and clicks on its Apply link, counted per posting, UTC day and kind.

**Aggregated twice, written never on the request.** A request adds one to a tally in its
process's memory (a dict under a lock: microseconds). At most JOB_NUMBERS_PUSH_SECONDS
later a timer thread pushes the tally to the shared cache (Redis in production), one atomic
increment per key, `numbers:<kind>:<yyyymmdd>:<slug>`, by the number tallied; the periodic
flush (wizard.board.flush) moves the cache's counters into DailyNumbers. So a busy job
page costs the cache one write every few seconds per process, not one per view, and the
database one row per posting and day per flush. A tally the cache refuses stays in memory
for the next push (but for the increment that failed, unless it was certainly not sent);
a process that exits pushes its tally first (atexit); a process killed outright loses at
most its last JOB_NUMBERS_PUSH_SECONDS of counts.

**Which requests count.** A GET of a person's browser: not HEAD, not a browser's prefetch
(`Sec-Purpose`/`Purpose: prefetch`), not a client without a User-Agent or one that calls
itself a bot, crawler or spider. A job page counts when it is answered 200 (rendered or
from the board's cache) and when a browser or a shared cache revalidates its copy and is
answered 304: the page says `Cache-Control: no-cache`, so every use of a stored copy asks
us first (docs/board.md, "Views and apply clicks"). A 304 counts only when the request
named the very ETag of the page, which only a 200 of that page at the board's current
version gave out: `If-None-Match: *` or a bare `If-Modified-Since` also get a 304 for any
slug, and must not fill the cache with counters of made-up slugs.

**Taking.** `take` reads counters and subtracts what it read, atomically per key, so a
count pushed meanwhile stays for the next flush. Two flushes may read the same value at
once: the decrement tells each how much was really there before it, and the one that
subtracted more than that adds the excess back, so no count is taken twice (see `take`).
"""

import atexit
import logging
import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import caches

from wizard.ops.redis_cache import CacheSkipped

logger = logging.getLogger(__name__)

VIEWS, APPLY_CLICKS = "views", "apply_clicks"
KINDS = (VIEWS, APPLY_CLICKS)
# The flush reads the counters of today and the days before, so a scheduler stopped for
# up to two days loses nothing; counters live a day longer, then expire unread.
DAYS_READ = 3
KEEP_SECONDS = (DAYS_READ + 1) * 24 * 3600

# Obvious robots: they say so. Browsers (headless ones included) do not.
ROBOT = re.compile(r"bot|crawl|spider|slurp", re.IGNORECASE)


def _cache():
    return caches["default"]


def today():
    return datetime.now(UTC).date()


def days_read():
    """The UTC days whose counters the flush reads, today first."""
    first = today()
    return [first - timedelta(days=back) for back in range(DAYS_READ)]


def key(kind, day, slug):
    return f"numbers:{kind}:{day:%Y%m%d}:{slug}"


def parse(counter_key):
    """(kind, day, slug) of a key made by `key`."""
    _, kind, day, slug = counter_key.split(":", 3)
    return kind, datetime.strptime(day, "%Y%m%d").date(), slug


def by_a_person(request):
    """Whether the request is a person's GET, as far as its headers tell (read from META:
    request.headers would copy every header first, on the hot path)."""
    if request.method != "GET":
        return False
    meta = request.META
    agent = meta.get("HTTP_USER_AGENT", "")
    if not agent or ROBOT.search(agent):
        return False
    purpose = f"{meta.get('HTTP_SEC_PURPOSE', '')} {meta.get('HTTP_PURPOSE', '')}"
    return "prefetch" not in purpose.lower()


def count(kind, slug):
    """Tally one `kind` for the posting at `slug` today; the tally reaches the cache at
    the next push. Never raises, never waits for the cache."""
    tally.add(key(kind, today(), slug))


class Tally:
    """This process's counts not yet in the cache, and the timer that pushes them."""

    def __init__(self):
        self._lock = threading.Lock()  # the counts and the timer
        self._pushing = threading.Lock()  # one push at a time: the flush's waits for the timer's
        self._counts = Counter()
        self._timer = None

    def add(self, counter, number=1):
        with self._lock:
            self._counts[counter] += number
            if self._timer is None:
                self._timer = threading.Timer(settings.JOB_NUMBERS_PUSH_SECONDS, self.push)
                self._timer.daemon = True
                self._timer.start()

    def push(self):
        """Add the tally to the cache's counters. When the cache fails, the counts not yet
        sent are kept for the next push; those of the increment that failed are kept only
        if it was certainly not sent (Redis skipped: wizard.ops.redis_cache), else dropped
        (a timeout may come after Redis applied it: a loss, never a double count).
        Whether everything got there."""
        with self._pushing:
            with self._lock:
                counts, self._counts = self._counts, Counter()
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
            pending = list(counts.items())
            while pending:
                counter, number = pending.pop()
                try:
                    _add(_cache(), counter, number)
                except Exception as error:
                    if isinstance(error, CacheSkipped):
                        pending.append((counter, number))
                    else:
                        logger.warning(
                            "%s lost %s counts; %s counters kept for later",
                            counter,
                            number,
                            len(pending),
                            exc_info=True,
                        )
                    for kept, kept_number in pending:
                        self.add(kept, kept_number)
                    return False
            return True


tally = Tally()
atexit.register(tally.push)


def page_seen(request, response):
    """Whether this answer to a job page is a person seeing it: a 200, or a 304 to a
    revalidation naming the page's current ETag."""
    if not by_a_person(request):
        return False
    if response.status_code == 200:
        return True
    if response.status_code != 304:
        return False
    etag = response.get("ETag", "")
    return bool(etag) and etag in request.META.get("HTTP_IF_NONE_MATCH", "")


def counts_views(view):
    """Count a view of the job page at the view's `slug` for each answer `page_seen`."""

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        response = view(request, slug, **kwargs)
        if page_seen(request, response):
            count(VIEWS, slug)
        return response

    return wrapper


def take(keys, chunk=1000):
    """{key: n}: the counts at `keys`, each now subtracted from its counter. Raises if the
    cache cannot be read (the flush fails and runs again); a counter that expires between
    reading and subtracting is lost, never counted twice."""
    cache = _cache()
    keys = list(keys)
    taken = {}
    for start in range(0, len(keys), chunk):
        for counter, seen in cache.get_many(keys[start : start + chunk]).items():
            if isinstance(seen, int) and seen > 0:
                got = _take_one(cache, counter, seen)
                if got:
                    taken[counter] = got
    return taken


def _take_one(cache, counter, seen):
    try:
        left = cache.decr(counter, seen)
    except ValueError:
        return 0  # expired since it was read
    # `left + seen` was there just before the decrement. Less than `seen` means another
    # flush took part of it after we read it: take only what was there, give back the rest.
    got = min(seen, max(left + seen, 0))
    if got < seen:
        try:
            cache.incr(counter, seen - got)
        except ValueError:
            pass  # expired meanwhile: nothing to give back to
    return got


def give_back(taken):
    """Return counts taken by a flush whose write was rolled back; best effort (logged)."""
    cache = _cache()
    for counter, number in taken.items():
        try:
            _add(cache, counter, number)
        except Exception:
            logger.warning("%s lost %s counts", counter, number, exc_info=True)


def _add(cache, counter, number):
    try:
        cache.incr(counter, number)
    except ValueError:  # the day's first: no counter yet
        if not cache.add(counter, number, timeout=KEEP_SECONDS):
            cache.incr(counter, number)  # another request made it meanwhile
