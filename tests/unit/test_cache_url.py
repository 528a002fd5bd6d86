"""CACHE_URL: which cache the board's pages and version live in (config/settings.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import cache_from_url


def test_redis_is_djangos_redis_cache_keeping_its_client_with_short_timeouts():
    for url in ["redis://cache:6379/0", "rediss://user:secret@cache:6380/2"]:
        config = cache_from_url(url)
        assert config["BACKEND"] == "wizard.ops.redis_cache.RedisCache"
        assert config["LOCATION"] == url
        assert config["OPTIONS"] == {"socket_connect_timeout": 0.1, "socket_timeout": 0.25}
    tuned = cache_from_url("redis://cache:6379/0", connect_timeout=0.5, timeout=1.5)
    assert tuned["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 1.5}


def test_the_settings_take_the_timeouts_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "CACHE_URL": "redis://cache:6379/0",
        "CACHE_CONNECT_TIMEOUT_SECONDS": "0.3",
        "CACHE_TIMEOUT_SECONDS": "0.7",
    }
    printed = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.CACHES)"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'socket_connect_timeout': 0.3, 'socket_timeout': 0.7" in printed


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
