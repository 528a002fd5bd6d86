"""The web side of operations: a liveness answer before anything else, and the request's
context (request id, posting) for every log line written while it is handled."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpResponse

from wizard.ops import logs
from wizard.web.client import client_address

logger = logging.getLogger("wizard.request")

LIVENESS_PATH = "/health/live/"
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
QUIET_PREFIXES = ("/health/", "/metrics")  # probed every few seconds: logged at DEBUG


class LivenessMiddleware:
    """GET /health/live/ answers 200 at once: no database, no session, no host check (a
    load balancer may probe by IP address). It says only that this process serves HTTP;
    /health/ says whether its dependencies work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            response = HttpResponse("ok\n", content_type="text/plain")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class RequestContextMiddleware:
    """Give the request an id (the proxy's X-Request-ID if it sent a sane one), name the
    posting its URL names (`posting_id`), and, with LOG_REQUESTS, log one line per request
    with its status and duration. The id is echoed in the X-Request-ID response header.

    The context is set afresh at the start of each request and cleared when Django
    finishes it (wizard.ops.signals), not when this middleware returns: Django logs a
    4xx or 5xx answer ("Not Found: …") after the whole middleware chain."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = sent if _VALID_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        logs.request_id.set(request_id)
        logs.posting_id.set(None)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        if settings.LOG_REQUESTS:
            self._log(request, response, started)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_kwargs.get("posting_id") is not None:
            logs.posting_id.set(str(view_kwargs["posting_id"]))

    def _log(self, request, response, started):
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        quiet = request.path.startswith(QUIET_PREFIXES) and response.status_code < 400
        logger.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "client": client_address(request),
            },
        )
