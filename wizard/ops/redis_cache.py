"""Django's RedisCache, keeping its Redis client instead of making one per command.

Django's RedisCacheClient builds a new redis.Redis around the same connection pool for
every get and set; with redis-py 8 that costs about 0.3 ms each (it sets up its response
callbacks every time), more than the round trip to Redis itself, and the board's cached
pages make two reads per request. The client is safe to keep: Django gives each thread its
own cache backend, and a redis.Redis takes a connection from its pool for each command.
CACHE_URL=redis://… selects this backend (config/settings.py).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        return KeptClientRedisCacheClient(self._servers, **self._options)
