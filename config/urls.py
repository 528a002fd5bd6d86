from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The ESP's delivery-tracking webhooks, behind ANYMAIL_WEBHOOK_SECRET basic auth.
    path("anymail/", include("anymail.urls")),
    path("", include("wizard.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
