"""Keep NUL characters away from the database: refused in the URL and the headers, and a
cookie carrying one is treated as absent.

PostgreSQL cannot store or compare a string with NUL (0x00) in it: a filter or search that
passes one to the database (the admin's list filters and search, `?q=%00`) raises a
ValueError, and a session cookie with one (`sessionid="abc\\000…"`, which the cookie parser
unquotes into a NUL) a DataError at the session's lookup: a 500 either way. Forms already
refuse NUL in their fields; this answers everything the forms never see, on every
database alike:

- the path, the query string and any header (User-Agent is stored with a failed login,
  X-Forwarded-For names the client): 400, as no browser sends one;
- a cookie whose name or value has one is dropped, as if the browser had not sent it: a
  visitor with one broken cookie still gets the site, with a new session if it was that one.
"""

from django.http import HttpResponseBadRequest

NUL = "\x00"
# Request headers that reach WSGI without the HTTP_ prefix.
UNPREFIXED_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _refused(where):
    return HttpResponseBadRequest(
        f"NUL characters are not allowed in {where}.", content_type="text/plain"
    )


def nul_in_headers(meta):
    return any(
        NUL in str(value)
        for key, value in meta.items()
        if (key.startswith("HTTP_") or key in UNPREFIXED_HEADERS) and key != "HTTP_COOKIE"
    )


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.GET.lists()
        ):
            return _refused("a URL")
        if nul_in_headers(request.META):
            return _refused("a header")
        cookies = request.COOKIES
        if any(NUL in name or NUL in value for name, value in cookies.items()):
            request.COOKIES = {
                name: value
                for name, value in cookies.items()
                if NUL not in name and NUL not in value
            }
        return self.get_response(request)
