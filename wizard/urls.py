from django.urls import path

from wizard.board import views as board
from wizard.board.feeds import LatestJobsFeed
from wizard.flow import manage_link, views
from wizard.flow.order import FLOW
from wizard.payments.webhooks import stripe_webhook

app_name = "wizard"

urlpatterns = [
    path("", board.board, name="board"),
    # Before the posting pattern: "feed" is a valid slug.
    path("jobs/feed/", board.public_cache(LatestJobsFeed()), name="feed"),
    path("jobs/<slug:slug>/", board.job, name="job"),
    path("post/", views.start, name="start"),
    # Before the per-step patterns: "resume" is not a posting id. (The path keeps its
    # historic name: links already emailed must keep working.)
    path("post/resume/<str:token>/", views.finish_later_link, name="finish_later"),
    path("post/manage/<str:token>/", manage_link.manage, name="manage"),
    *(
        path(
            f"post/<uuid:posting_id>/{step.name}/",
            views.step,
            {"step_name": step.name},
            name=step.name,
        )
        for step in FLOW
    ),
    path("post/<uuid:posting_id>/payment/return/", views.payment_return, name="payment_return"),
    path("post/<uuid:posting_id>/status/", views.status, name="status"),
    path("stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    path("<str:key>.txt", board.indexnow_key, name="indexnow_key"),
]
