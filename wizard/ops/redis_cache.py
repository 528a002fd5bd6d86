"""Django's RedisCache, keeping its Redis client instead of making one per command, and
leaving a Redis that failed alone for a few seconds.

Django's RedisCacheClient builds a new redis.Redis around the same connection pool for
every get and set; with redis-py 8 that costs about 0.3 ms each (it sets up its response
callbacks every time), more than the round trip to Redis itself, and every cached board
page is a read. The client is safe to keep: Django gives each thread its
own cache backend, and a redis.Redis takes a connection from its pool for each command.

**A Redis that fails is skipped.** The connection has short timeouts
(CACHE_CONNECT_TIMEOUT_SECONDS, CACHE_TIMEOUT_SECONDS), but a Redis that accepts
connections and never answers would still cost every request its timeout. So each process
keeps one `Breaker` per Redis: after a command fails to connect or times out, every command
for CACHE_RETRY_AFTER_SECONDS fails at once with `CacheSkipped` (a redis ConnectionError,
which the cache's callers already treat as a cache that cannot be reached); then one
command, in one thread, tries again, and its success brings the others back. A command
that Redis answers with an error (a wrong type, out of memory) is no outage: it does not
count. CACHE_URL=redis://… selects this backend (config/settings.py).

**incr is one atomic round trip** (a Lua script), where Django's asks EXISTS first.
"""

import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

# What says that Redis is down or slow (a refused or lost connection, a timeout).
OUTAGES = (redis.ConnectionError, redis.TimeoutError)


class CacheSkipped(redis.ConnectionError):
    """Redis failed moments ago: this command was not sent."""


class Breaker:
    """The state of one Redis as this process saw it last: answering, or failed at some
    time (and skipped until `skip_until`). Shared by the threads of the process."""

    def __init__(self, name):
        self.name = name
        self.skip_until = 0.0  # 0: closed (Redis answers); else a time.monotonic()
        self.failed_at = None
        self._lock = threading.Lock()

    def check(self):
        """Return if a command may go to Redis now; raise CacheSkipped if not. Once the
        pause is over, the first caller goes (and the pause starts again for the others
        until its command succeeds or fails)."""
        if not self.skip_until:
            return
        now = time.monotonic()
        with self._lock:
            if now < self.skip_until:
                raise CacheSkipped(
                    f"Redis failed {now - self.failed_at:.1f} s ago: "
                    f"not used until {self.skip_until - now:.1f} s from now"
                )
            self.skip_until = now + settings.CACHE_RETRY_AFTER_SECONDS

    def failed(self, error):
        now = time.monotonic()
        with self._lock:
            was_closed = not self.skip_until
            self.failed_at = now
            self.skip_until = now + settings.CACHE_RETRY_AFTER_SECONDS
        if was_closed:
            logger.warning(
                "Redis %s failed (%s): it is left alone for %g s, then tried again",
                self.name,
                error,
                settings.CACHE_RETRY_AFTER_SECONDS,
            )

    def succeeded(self):
        if self.skip_until:
            with self._lock:
                self.skip_until, self.failed_at = 0.0, None
            logger.warning("Redis %s answers again", self.name)


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(location):
    """The process's breaker for the Redis at `location` (a URL)."""
    with _breakers_lock:
        return _breakers.setdefault(location, Breaker(redact(location)))


def redact(url):
    """A Redis URL without its password, for the logs."""
    scheme, _, rest = url.partition("://")
    _, at, host = rest.rpartition("@")
    return f"{scheme}://{'…@' if at else ''}{host}"


class BreakerRedis(redis.Redis):
    """A redis.Redis whose commands go through its server's Breaker."""

    breaker: Breaker

    def execute_command(self, *args, **options):
        self.breaker.check()
        try:
            result = super().execute_command(*args, **options)
        except OUTAGES as error:
            self.breaker.failed(error)
            raise
        self.breaker.succeeded()
        return result

    def pipeline(self, transaction=True, shard_hint=None):
        if self.breaker.skip_until > time.monotonic():
            raise CacheSkipped("Redis failed moments ago: not used for now")
        return super().pipeline(transaction=transaction, shard_hint=shard_hint)


# INCRBY only if the key exists, in one round trip. Django's incr asks EXISTS, then
# INCRBY: two round trips, and a key that expires between them comes back without an
# expiry (the job pages' counters, wizard.board.counts, would then never expire).
INCR_EXISTING = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end"
)


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        value = client.eval(INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = BreakerRedis(
                connection_pool=self._get_connection_pool(write)
            )
            client.breaker = breaker_for(self._servers[index])
        return client


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        return KeptClientRedisCacheClient(self._servers, **self._options)
