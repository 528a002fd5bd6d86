"""Refuse a request body larger than MAX_REQUEST_BYTES before anything reads it.

A multipart upload is read whole (into memory or a temporary file) as soon as anyone
touches request.POST, CSRF protection included; a 50 MB "logo" would be read before
the form could say it is too large. The declared Content-Length is checked first.
"""

from django.conf import settings
from django.shortcuts import render


class RefuseOversizeBodies:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            limit_mb = settings.LOGO_MAX_UPLOAD_BYTES / (1024 * 1024)
            # From an htmx form, the message takes the place of the step's panel. The
            # unread body is the server's to discard (gunicorn and runserver drain it).
            htmx = "HX-Request" in request.headers
            template = "too_large.html#panel" if htmx else "too_large.html"
            return render(request, template, {"limit_mb": f"{limit_mb:g}"}, status=413)
        return self.get_response(request)
