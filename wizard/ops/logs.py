"""Log lines that say which posting, request and task they belong to.

Three context variables hold what is being handled: the web middleware sets the request
id and the posting named in the URL (until Django has finished the request), the task
worker's signals set the task id, and the posting's own (wizard.postings.logcontext) is
set by the job runner, by every writer of a posting row under the lock and by views.
`ContextFilter`, on the log handler, copies them onto every record, so any logger (ours,
Django's, a library's) gets them without passing anything.

`LOG_FORMAT=json` (the default with DEBUG off) writes one JSON object per line through
python-json-logger; otherwise a readable line. This module imports nothing from Django:
gunicorn.conf.py uses it before the app is loaded (nor does wizard.postings.logcontext).
"""

import logging
import os
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from wizard.postings.logcontext import posting_id

request_id = ContextVar("request_id", default=None)
task_id = ContextVar("task_id", default=None)

CONTEXT = {"posting_id": posting_id, "request_id": request_id, "task_id": task_id}


class ContextFilter(logging.Filter):
    """Put posting_id, request_id and task_id (None when unknown) on every record, and a
    short `context` text for the readable format. Attach it to handlers, not loggers: a
    handler's filters see the records of every logger that propagates to it."""

    def filter(self, record):
        parts = []
        for name, variable in CONTEXT.items():
            value = variable.get()
            setattr(record, name, value)
            if value is not None:
                parts.append(f"{name.removesuffix('_id')}={value}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, pid, the
    context (posting_id, request_id, task_id), any `extra` fields, and exc_info."""

    def __init__(self, **kwargs):
        super().__init__(
            ["levelname", "name", "message", "process"],
            rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
            timestamp="time",
            # Django puts the HttpRequest on some records; its repr says nothing useful.
            reserved_attrs=[*RESERVED_ATTRS, "request", "context"],
            **kwargs,
        )

    def process_log_record(self, log_data):
        return {"time": log_data.pop("time"), **log_data}  # read left to right: time first


TEXT_FORMAT = "{asctime} {levelname} {name}{context}: {message}"


def json_wanted(environ=os.environ, debug=None):
    """LOG_FORMAT=json or text; unset, JSON unless DEBUG is on. `debug` is the settings'
    DEBUG when known; otherwise it is read from the environment as the settings read it."""
    chosen = environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    if chosen:
        raise ValueError(f"LOG_FORMAT must be json or text, not {chosen!r}")
    if debug is None:
        debug = environ.get("DEBUG", "false").strip().lower() in {"1", "true", "yes", "on"}
    return not debug


def formatter_config(json):
    """A dictConfig formatter entry for the chosen format."""
    if json:
        return {"()": "wizard.ops.logs.JsonFormatter"}
    return {"format": TEXT_FORMAT, "style": "{"}


def handler_config(stream="ext://sys.stderr"):
    """A dictConfig handler entry: a stream handler with the context filter, formatter
    "main", filter "context"."""
    return {
        "class": "logging.StreamHandler",
        "stream": stream,
        "formatter": "main",
        "filters": ["context"],
    }


def gunicorn_logconfig(access_log):
    """gunicorn's logconfig_dict for JSON logs: its own lines (workers booting, timeouts)
    as JSON objects too, and its access log only if `access_log`. It replaces gunicorn's
    defaults section by section."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "wizard.ops.logs.ContextFilter"}},
        "formatters": {"main": formatter_config(json=True)},
        "handlers": {"console": handler_config()},
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            # Access lines are logged at INFO: WARNING silences them.
            "gunicorn.access": {
                "level": "INFO" if access_log else "WARNING",
                "handlers": ["console"],
                "propagate": False,
            },
        },
    }
