"""/anymail/…: the configured ESP's delivery-tracking webhook, and nothing else.

anymail's own URLconf mounts the inbound and tracking webhooks of every ESP it knows. The
ones of an ESP that is not configured answer an unauthenticated POST with a 500 (their
views want that ESP's settings), so a scanner fills the error log. Only the tracking
webhook of settings.EMAIL_TRACKING_ESP (the ESP that MAIL_BACKEND names; None without
one) is served here: Mandrill's combined webhook for mandrill, `<esp>/tracking/` for the
others. Every other path under /anymail/ is the site's 404. The ESP is read at each
request, so a test may change it; anymail's views keep their own checks (basic auth with
ANYMAIL_WEBHOOK_SECRET, the ESP's signatures).
"""

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import Http404
from django.urls import Resolver404
from django.views.decorators.csrf import csrf_exempt


def tracking_url_names(esp):
    """The names, in anymail's URLconf, of the webhooks that `esp` reports deliveries to."""
    if not esp:
        return set()
    if esp == "mandrill":
        return {"mandrill_webhook", "mandrill_tracking_webhook"}
    return {f"{esp}_tracking_webhook"}


@csrf_exempt  # anymail's views are; they authenticate the ESP themselves
def tracking_webhook(request, path):
    allowed = tracking_url_names(settings.EMAIL_TRACKING_ESP)
    for pattern in anymail_urls.urlpatterns if allowed else ():
        try:
            match = pattern.resolve(path)
        except Resolver404:
            continue
        if match and match.url_name in allowed:
            return match.func(request, *match.args, **match.kwargs)
    raise Http404("No such webhook.")
