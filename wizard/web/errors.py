"""The pages people see when something fails: the database gone (503), a bug (500), or a
request we cannot read (400).

A dropped or refused database connection is not a bug in the page: the visitor gets a
503 with Retry-After, whether it happens in the view (the middleware) or in another
middleware, such as the session being saved (the 500 handler, config.urls.handler500).
All render without a request or a context, so they cannot need the database. The 400 page
(config.urls.handler400) is drawn without Django's `requires_csrf_token`: its CSRF check
reads the body again, and a body that raised BadRequest once raises it again, a 500.
"""

import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable():
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that lost its database connection answers 503 with a friendly page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error(
            "Database unavailable: %s %s answered 503",
            request.method,
            request.path,
            exc_info=exception,
        )
        return database_unavailable()


@requires_csrf_token
def server_error(request):
    """handler500: the site's 500 page, or the 503 page when the database is the cause."""
    if isinstance(sys.exception(), DATABASE_ERRORS):
        return database_unavailable()
    return HttpResponseServerError(loader.get_template("500.html").render())


def bad_request_page():
    response = HttpResponseBadRequest(loader.get_template("400.html").render())
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception):
    """handler400: the site's 400 page; it reads nothing from the request."""
    return bad_request_page()
