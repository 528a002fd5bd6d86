"""Refuse requests that carry a NUL character in the path or the query string.

PostgreSQL cannot store or compare a string with NUL (0x00) in it: a filter or search that
passes one to the database (the admin's list filters and search, `?q=%00`) raises a
ValueError, a 500. Forms already refuse NUL in their fields; this answers everything the
forms never see with a 400, on every database alike.
"""

from django.http import HttpResponseBadRequest


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "NUL characters are not allowed in a URL.", content_type="text/plain"
            )
        return self.get_response(request)
