from django.urls import include, path
from django.views.decorators.cache import never_cache

from wizard.account import duplicate, renewal
from wizard.board import views as board
from wizard.board.cache import shared_page
from wizard.board.feeds import LatestJobsFeed
from wizard.flow import manage_link, views
from wizard.flow.order import FLOW
from wizard.payments.webhooks import stripe_webhook

app_name = "wizard"

# Every page of the wizard is one employer's own (Cache-Control: no-store, private): after
# paying, Back must ask the server again instead of showing the payment step as it was.
private = never_cache


def step_path(step):
    """The URL pattern of one step of the flow, served by the one dispatcher."""
    return path(
        f"post/<uuid:posting_id>/{step.name}/",
        private(views.step),
        {"step_name": step.name},
        name=step.name,
    )


urlpatterns = [
    path("", board.board, name="board"),
    # Before the posting pattern: "feed" is a valid slug.
    path("jobs/feed/", shared_page("feed")(LatestJobsFeed()), name="feed"),
    path("jobs/<slug:slug>/", board.job, name="job"),
    path("jobs/<slug:slug>/apply/", board.apply, name="apply"),
    path("post/", private(views.start), name="start"),
    # The signed-in employer's pages (each private: wizard.account.urls).
    path("account/", include("wizard.account.urls")),
    # Before the per-step patterns: neither is a posting id.
    path("post/finish-later/<str:token>/", private(views.finish_later_link), name="finish_later"),
    # The path's first name: links already emailed must keep working.
    path("post/resume/<str:token>/", private(views.finish_later_link)),
    path("post/manage/<str:token>/", private(manage_link.manage), name="manage"),
    path("post/renew/<str:token>/", renewal.renew_link, name="renew_link"),
    path("post/renew/<str:token>/paid/", renewal.renew_paid, name="renew_paid"),
    path("post/<uuid:posting_id>/duplicate/", duplicate.duplicate_owned, name="copy_posting"),
    *(step_path(step) for step in FLOW),
    path(
        "post/<uuid:posting_id>/payment/return/",
        private(views.payment_return),
        name="payment_return",
    ),
    path("post/<uuid:posting_id>/status/", private(views.status), name="status"),
    path("stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    path("<str:key>.txt", board.indexnow_key, name="indexnow_key"),
]
