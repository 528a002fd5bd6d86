"""The app's URLs plus a bare view: the yardstick every endpoint is compared with.

The bare view runs through the same middleware as every page (sessions, CSRF, CSP,
messages, …) but touches no database and no template: what is left is the cost of
gunicorn, WSGI, Django's request handling and the middleware stack.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as app_urlpatterns

BARE_PATH = "/__bench__/bare/"


def bare(request):
    return HttpResponse("hello")


urlpatterns = [path(BARE_PATH.strip("/") + "/", bare), *app_urlpatterns]
