"""Flushes of the job pages' numbers running at once, while views are still being counted:
each count reaches DailyNumbers exactly once. On PostgreSQL, as production runs it."""

import threading
from unittest import mock

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, connections
from django.db.models import Sum

from tests.integration.test_board import publish
from wizard.board import counts
from wizard.board.flush import flush_numbers
from wizard.postings.numbers import DailyNumbers

pytestmark = pytest.mark.django_db(transaction=True)

FLUSHES = 4


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent upserts need PostgreSQL's concurrent writers; CI runs them with "
            "DATABASE_URL set"
        )


def run_all(targets):
    errors = []

    def run(target):
        try:
            target()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors


def totals():
    summed = DailyNumbers.objects.aggregate(views=Sum("views"), clicks=Sum("apply_clicks"))
    return summed["views"] or 0, summed["clicks"] or 0


def test_flushes_at_once_with_views_still_counted_add_each_count_once():
    postings = [publish(f"Job {number}") for number in range(20)]
    views_each, clicks_each, rounds = 5, 2, 3

    def count_some():
        for _ in range(rounds):
            for posting in postings:
                for _ in range(views_each):
                    counts.count(counts.VIEWS, posting.slug)
                for _ in range(clicks_each):
                    counts.count(counts.APPLY_CLICKS, posting.slug)

    run_all([count_some, count_some, *([flush_numbers] * FLUSHES)])
    flush_numbers()  # what was counted after the last of them

    counters = 2 * rounds * len(postings)  # two counting threads
    assert totals() == (counters * views_each, counters * clicks_each)
    assert DailyNumbers.objects.count() == len(postings)


def test_flushes_that_read_the_same_counters_take_them_once():
    """Every flush reads every counter before any of them subtracts: the worst case."""
    postings = [publish(f"Job {number}") for number in range(10)]
    for posting in postings:
        for _ in range(3):
            counts.count(counts.VIEWS, posting.slug)
        counts.count(counts.APPLY_CLICKS, posting.slug)
    all_have_read = threading.Barrier(FLUSHES, timeout=30)
    read = LocMemCache.get_many

    def get_many_then_wait(cache, keys):
        found = read(cache, keys)
        all_have_read.wait()
        return found

    # Each thread has its own cache object (over the one store): patch them all.
    with mock.patch.object(LocMemCache, "get_many", autospec=True, side_effect=get_many_then_wait):
        run_all([flush_numbers] * FLUSHES)

    assert totals() == (3 * len(postings), len(postings))
    assert flush_numbers() == "Nothing counted since the last run"
