from django.urls import path

from wizard.ops.health import health
from wizard.ops.metrics import metrics

# /health/live/ is answered by wizard.ops.middleware.LivenessMiddleware, before routing.
urlpatterns = [
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
]
