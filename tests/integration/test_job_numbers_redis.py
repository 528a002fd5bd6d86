"""The job pages' counters on Redis, as production keeps them: an increment is one atomic
round trip that never brings back an expired counter, and views reach DailyNumbers once."""

import uuid
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import override_settings

from config.settings import cache_from_url
from tests.integration.test_board import job_url, publish
from tests.integration.test_board_cache import redis_reachable
from tests.integration.test_job_numbers import BROWSER, numbers_of
from wizard.board import counts
from wizard.board.flush import flush_numbers
from wizard.ops.redis_cache import BreakerRedis

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def redis_cache():
    """Redis, under a prefix of this test's own: other users of this Redis are untouched
    (no FLUSHDB); the test's keys expire or are deleted."""
    config = {**cache_from_url("redis://127.0.0.1:6379/11"), "KEY_PREFIX": uuid.uuid4().hex}
    with override_settings(CACHES={"default": config}):
        yield caches["default"]


def ttl(cache, key):
    """Seconds before Redis expires the key (-1: never)."""
    return cache._cache.get_client(write=True).ttl(cache.make_key(key))


def test_an_increment_is_one_round_trip_and_keeps_the_expiry(redis_cache):
    redis_cache.set("counter", 1, timeout=60)
    with mock.patch.object(
        BreakerRedis, "execute_command", autospec=True, side_effect=BreakerRedis.execute_command
    ) as commands:
        assert redis_cache.incr("counter", 4) == 5
    assert commands.call_count == 1
    assert redis_cache.decr("counter", 2) == 3
    assert 0 < ttl(redis_cache, "counter") <= 60
    redis_cache.delete("counter")


def test_an_expired_counter_is_not_brought_back(redis_cache):
    with pytest.raises(ValueError):
        redis_cache.incr("gone", 3)
    assert not redis_cache.has_key("gone")


def test_views_reach_the_database_once_through_redis(client, redis_cache):
    posting = publish()
    for _ in range(3):
        client.get(job_url(posting), **BROWSER)
    flush_numbers()
    assert numbers_of(posting) == (3, 0)
    assert flush_numbers() == "Nothing counted since the last run"
    counter = counts.key(counts.VIEWS, counts.today(), posting.slug)
    assert redis_cache.get(counter) == 0
    assert 0 < ttl(redis_cache, counter) <= counts.KEEP_SECONDS
    redis_cache.delete(counter)
