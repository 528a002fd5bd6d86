from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path

from wizard.web import esp_webhooks

urlpatterns = [
    # The staff dashboard, before the admin's own URLs (their catch-all would take it).
    path("admin/dashboard/", include("wizard.admin.dashboard")),
    path("admin/", admin.site.urls),
    # The configured ESP's delivery-tracking webhook only, behind ANYMAIL_WEBHOOK_SECRET
    # basic auth; every other /anymail/ path is a 404 (wizard.web.esp_webhooks).
    re_path(r"^anymail/(?P<path>.*)$", esp_webhooks.tracking_webhook),
    # /health/ (django-health-check) and /metrics (Prometheus, with METRICS_TOKEN).
    path("", include("wizard.ops.urls")),
    path("", include("wizard.urls")),
]
# The site's own 500 page, or its 503 page when the database is unreachable (wizard.web.errors).
handler500 = "wizard.web.errors.server_error"
# A request we cannot read (a crafted body or header): the 400 page, which reads nothing.
handler400 = "wizard.web.errors.bad_request"
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
