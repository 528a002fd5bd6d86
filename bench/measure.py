"""Queries and bytes per request: each endpoint's request, made through Django's test client
in this process (same settings and database as the server), after one warm-up request.

    python -m bench.measure ENDPOINTS.json   # prints {name: {status, bytes, queries}}

Queries are the SQL statements Django sends, transaction control (BEGIN, COMMIT,
savepoints) counted apart. ENDPOINTS.json maps each endpoint's name to its requests file
(bench/wrk/requests.lua's format); the first request warms up, the second (or the first
again) is measured.
"""

import json
import sys

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# Counted apart: BEGIN and COMMIT are round trips, but not questions asked of the data.
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def read_requests(path):
    requests = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            method, target, header_text, body = line.rstrip("\n").split("\t", 3)
            headers = dict(header.split(": ", 1) for header in header_text.split("\x1f") if header)
            requests.append((method, target, headers, body))
    return requests


def make(client, method, target, headers, body):
    headers = dict(headers)
    content_type = headers.pop("Content-Type", "application/octet-stream")
    return client.generic(
        method, target, data=body.encode(), content_type=content_type, headers=headers
    )


def client():
    """A test client that checks CSRF tokens, as the server does."""
    return Client(SERVER_NAME="127.0.0.1", enforce_csrf_checks=True)


def measure(requests_file):
    requests = read_requests(requests_file)
    browser = client()
    make(browser, *requests[0])
    with CaptureQueriesContext(connection) as queries:
        response = make(browser, *requests[1 % len(requests)])
    statements = [query["sql"] for query in queries.captured_queries]
    control = [sql for sql in statements if sql.split(" ", 1)[0].upper() in TRANSACTION_CONTROL]
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "queries": len(statements) - len(control),
        "transaction_control": len(control),
        "sql": [query["sql"][:300] for query in queries.captured_queries],
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as file:
        endpoints = json.load(file)
    print(json.dumps({name: measure(path) for name, path in endpoints.items()}))
