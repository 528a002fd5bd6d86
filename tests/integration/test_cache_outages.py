"""A cache in trouble (issue 18): the board answers from the database, slower but never
failing, and a hung or stopped Redis costs one request in CACHE_RETRY_AFTER_SECONDS its
timeout, not every request (wizard.ops.redis_cache)."""

import time
from unittest import mock

import pytest
import redis
from django.test import override_settings

from config.settings import cache_from_url
from tests.hung_server import hung_server, stopped_url
from tests.integration.test_board import job_url, publish, titles
from wizard.ops.redis_cache import Breaker, CacheSkipped

pytestmark = pytest.mark.django_db

LATER = time.monotonic() + 3600  # past any CACHE_RETRY_AFTER_SECONDS of these tests


def cache_at(url):
    return override_settings(CACHES={"default": cache_from_url(url)})


def board_answers_from_the_database(client, posting):
    for _ in range(5):
        board = client.get("/")
        assert board.status_code == 200 and titles(board) == ["From the database"]
        assert board["X-Board-Cache"] == "miss"
        assert client.get(job_url(posting)).status_code == 200


def test_a_hung_cache_costs_one_timeout_then_is_left_alone(client):
    posting = publish("From the database")
    with hung_server() as server, cache_at(server.url):
        board_answers_from_the_database(client, posting)
        # One connection waited for its answer; every later command was skipped.
        assert len(server.connections) == 1

        with mock.patch("wizard.ops.redis_cache.time.monotonic", return_value=LATER):
            board_answers_from_the_database(client, posting)
        # Once the pause is over, one command tries again (and fails again).
        assert len(server.connections) == 2


def test_a_stopped_cache_is_tried_once_in_a_while(client):
    posting = publish("From the database")
    connect = redis.connection.Connection._connect
    with (
        cache_at(stopped_url()),
        mock.patch.object(
            redis.connection.Connection, "_connect", autospec=True, side_effect=connect
        ) as attempts,
    ):
        board_answers_from_the_database(client, posting)
        assert attempts.call_count == 1
        with mock.patch("wizard.ops.redis_cache.time.monotonic", return_value=LATER):
            board_answers_from_the_database(client, posting)
        assert attempts.call_count == 2


def test_the_breaker_lets_one_caller_try_again_and_closes_on_success(settings):
    settings.CACHE_RETRY_AFTER_SECONDS = 5
    breaker = Breaker("redis://cache:6379/0")
    breaker.check()  # closed: no pause
    breaker.failed(redis.TimeoutError("Timeout reading from socket"))
    with pytest.raises(CacheSkipped):
        breaker.check()

    with mock.patch("wizard.ops.redis_cache.time.monotonic", return_value=LATER):
        breaker.check()  # the first caller after the pause tries
        with pytest.raises(CacheSkipped):
            breaker.check()  # the others wait for its answer
        breaker.succeeded()
        breaker.check()
        breaker.check()


def test_an_error_answer_is_no_outage():
    """Redis answering with an error (a wrong type, a full memory) is up: not skipped."""
    from wizard.ops.redis_cache import BreakerRedis

    client = BreakerRedis(connection_pool=redis.ConnectionPool.from_url("redis://x:1/0"))
    client.breaker = Breaker("redis://x:1/0")
    with (
        mock.patch.object(
            redis.Redis, "execute_command", side_effect=redis.ResponseError("WRONGTYPE")
        ),
        pytest.raises(redis.ResponseError),
    ):
        client.get("key")
    client.breaker.check()


def test_the_logs_name_a_redis_without_its_password():
    from wizard.ops.redis_cache import breaker_for

    assert breaker_for("redis://:s3cret@cache:6379/0").name == "redis://…@cache:6379/0"
    assert breaker_for("redis://cache:6379/0").name == "redis://cache:6379/0"
