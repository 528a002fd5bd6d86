"""Database connections are kept only by processes that reuse them (issue 17, item 13):
runserver, a thread per browser connection, closes its own at the end of every request."""

import sys

import pytest

from tests.unit.test_settings_env import fresh_settings


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["manage.py", "runserver", "127.0.0.1:8000", "--noreload"], 0),
        (["django-admin", "runserver"], 0),
        (["gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"], 60),
        (["manage.py", "db_worker", "--no-reload"], 60),
        (["manage.py", "crontask", "--no-heartbeat"], 60),
    ],
)
def test_only_runserver_closes_its_connections_after_each_request(monkeypatch, argv, expected):
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    monkeypatch.setattr(sys, "argv", argv)
    assert fresh_settings().DATABASES["default"]["CONN_MAX_AGE"] == expected


def test_runserver_closes_them_whatever_database_conn_max_age_says(monkeypatch):
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")
    monkeypatch.setattr(sys, "argv", ["manage.py", "runserver"])
    assert fresh_settings().DATABASES["default"]["CONN_MAX_AGE"] == 0
    monkeypatch.setattr(sys, "argv", ["gunicorn", "config.wsgi"])
    assert fresh_settings().DATABASES["default"]["CONN_MAX_AGE"] == 60
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "0")
    assert fresh_settings().DATABASES["default"]["CONN_MAX_AGE"] == 0
