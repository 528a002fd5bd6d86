"""The staff dashboard (/admin/dashboard/): what needs doing now (postings awaiting
review and the oldest's wait, failing side effects, postings needing attention), revenue
by week net of refunds, then the wizard's funnel by week, where employers give up,
side-effect failures and retries, the task queue, refunds and the job pages' views and
apply clicks this week, as server-drawn SVG charts whose every bar links to the admin
list (or the posting) that shows what it counts.

Staff who may view postings (`wizard.view_jobposting`) see it; a bar links to a list only
when the user may view that list. The counts are wizard.dashboard.numbers's: a fixed
handful of aggregate queries, however many postings there are. The page's parts are in
dashboard_parts, its cards in dashboard_cards.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from wizard.admin.dashboard_cards import (
    effects_card,
    funnel_cards,
    give_up_card,
    now_tiles,
    queue_card,
    refunds_card,
    revenue_rows,
    tiles,
)
from wizard.admin.dashboard_job_numbers import job_numbers_card
from wizard.admin.dashboard_parts import PERMISSION, Links
from wizard.dashboard import numbers
from wizard.dashboard.job_numbers import job_numbers

DEFAULT_WEEKS = 8
WEEK_CHOICES = [4, 8, 13, 26]


def weeks_asked(request):
    try:
        weeks = int(request.GET.get("weeks", DEFAULT_WEEKS))
    except ValueError:
        return DEFAULT_WEEKS
    return weeks if weeks in WEEK_CHOICES else DEFAULT_WEEKS


def dashboard(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    now = timezone.now()
    window = numbers.Window(weeks_asked(request), now)
    links = Links(request.user, window)
    funnel = numbers.funnel(window)
    give_ups = numbers.give_ups(window)
    troubles = numbers.effect_trouble(window)
    queues = numbers.task_queue(now)
    refund_states = numbers.refunds(window)
    overall, weekly = funnel_cards(funnel, links)
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "window": window,
        "week_choices": WEEK_CHOICES,
        "since": timezone.localtime(window.start),
        "now": now,
        "now_tiles": now_tiles(
            numbers.awaiting_review(), troubles, numbers.needing_attention(), links, now
        ),
        "revenue": revenue_rows(numbers.revenue(window)),
        "tiles": tiles(
            funnel,
            give_ups,
            troubles,
            queues,
            refund_states,
            links,
            now,
            processing=numbers.payments_processing(),
        ),
        "cards": [
            overall,
            weekly,
            give_up_card(give_ups, links),
            effects_card(troubles, links),
            queue_card(queues, links, now),
            refunds_card(refund_states, links, now),
            job_numbers_card(job_numbers(now)),
        ],
    }
    return TemplateResponse(request, "admin/wizard/dashboard.html", context)


# Mounted before admin.site.urls (config/urls.py): the admin's catch-all would take it.
urlpatterns = [path("", admin.site.admin_view(dashboard), name="admin-dashboard")]
