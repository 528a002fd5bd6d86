"""CACHE_URL: which cache the board's pages and version live in (config/settings.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import cache_from_url


def test_redis_is_djangos_redis_cache_keeping_its_client_with_short_timeouts():
    for url in ["redis://cache:6379/0", "rediss://user:secret@cache:6380/2"]:
        config = cache_from_url(url)
        assert config["BACKEND"] == "wizard.ops.redis_cache.RedisCache"
        assert config["LOCATION"] == url
        assert config["OPTIONS"]["socket_timeout"] <= 1


def test_local_caches():
    assert cache_from_url("file:///var/cache/jobwizard") == {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/var/cache/jobwizard",
    }
    assert cache_from_url("locmem://")["BACKEND"].endswith("LocMemCache")
    assert cache_from_url("dummy://")["BACKEND"].endswith("DummyCache")


@pytest.mark.parametrize("url", ["memcached://cache:11211", "file://", "redis", "redis:", ""])
def test_anything_else_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url(url)
