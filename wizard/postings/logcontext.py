"""Which posting the code running now is about, for every log line it writes.

A context variable, set by whoever handles a posting: every writer of a posting row under
the lock (wizard.postings.transitions.locked_posting), the job runner for a job's posting,
a view for the posting it serves. It lives at the bottom layer so that every layer may set
it; wizard.ops.logs reads it onto each log record. Imports nothing from Django:
gunicorn.conf.py loads wizard.ops.logs, and with it this module, before the app is loaded.
"""

from contextlib import contextmanager
from contextvars import ContextVar

posting_id = ContextVar("posting_id", default=None)


@contextmanager
def posting_context(value):
    """Log lines written inside are about this posting (an id, or None for none)."""
    token = posting_id.set(None if value is None else str(value))
    try:
        yield
    finally:
        posting_id.reset(token)


def bind_posting(value):
    """In a view: the rest of this request is about this posting (for a posting the URL
    does not name, e.g. one found from a signed link). The request middleware
    (wizard.ops.middleware) restores the previous value when the request ends. In a job's
    perform: the rest of the attempt is (the runner's posting_context ends it). Elsewhere
    use posting_context()."""
    posting_id.set(None if value is None else str(value))
