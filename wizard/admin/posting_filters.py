"""The posting list's filters: the review queue it opens on, "needs attention", status,
paid or not, and the dashboard's "reached" and "gave up at" (each bar of the funnel
links to one; they show only when a link chose them)."""

from django.contrib import admin
from django.contrib.admin.views.main import (
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    TO_FIELD_VAR,
)
from django.utils import timezone

from wizard.dashboard import funnel
from wizard.postings import attention
from wizard.postings.models import JobPosting, status_label


class QueueFilter(admin.SimpleListFilter):
    """The list opens on the review queue (paid postings waiting for a decision, the
    longest-waiting first); any other filter or a search looks at every posting."""

    title = "queue"
    parameter_name = "queue"
    # What the list's URL may carry and still show the queue: paging, sorting, display.
    NOT_FILTERS = {PAGE_VAR, ORDER_VAR, IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR, ERROR_FLAG}

    @classmethod
    def shows_queue(cls, request):
        if chosen := request.GET.get(cls.parameter_name):
            return chosen == "review"
        return all(key in cls.NOT_FILTERS for key in request.GET)

    def __init__(self, request, params, model, model_admin):
        self.default = "review" if self.shows_queue(request) else "all"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("review", "To review"), ("all", "All postings")]

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        return queryset.in_review() if self.value() == "review" else queryset


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("any", "Anything below"), *attention.reasons()]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.filter(needs_attention=True)
        if self.value() in dict(attention.reasons()):
            return queryset.filter(**{f"attention_{self.value()}": True})
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """Every status in use, by its label: the explicit ones and those the flow's steps declare."""

    title = "status"
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        values = JobPosting.objects.order_by("status").values_list("status", flat=True).distinct()
        return [(value, status_label(value)) for value in values]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class PaidFilter(admin.SimpleListFilter):
    title = "paid"
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [("yes", "Paid"), ("no", "Not paid")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(paid_at__isnull=self.value() == "no")
        return queryset


class ShownWhenChosen(admin.SimpleListFilter):
    """A filter the dashboard links to: listed beside the others only while chosen, so
    the sidebar keeps to the filters staff pick themselves."""

    def lookups(self, request, model_admin):
        return self.choices_offered() if self.value() else []


class ReachedFilter(ShownWhenChosen):
    """How far postings got: reached a stage of the funnel (wizard.dashboard.funnel), by a
    step's completion time, or after the steps by the transition log or the status now.
    The dashboard's funnel links here."""

    title = "reached"
    parameter_name = "reached"

    def choices_offered(self):
        # A switched-off step is left out here; the dashboard may still link to it.
        return [(stage.key, stage.label) for stage in funnel.stages()[1:] if not stage.switched_off]

    def queryset(self, request, queryset):
        stage = funnel.stage_named(self.value()) if self.value() else None
        return queryset.filter(stage.reached()) if stage is not None else queryset


class GaveUpFilter(ShownWhenChosen):
    """Drafts the employer gave up on (abandoned, or untouched for a day before payment),
    by the status they were left in. The dashboard's "where employers give up" links here."""

    title = "gave up at"
    parameter_name = "gave_up"

    def choices_offered(self):
        # The statuses a draft is usually left in; the dashboard may link to others.
        return [
            ("any", "Anywhere"),
            *((point.status, point.label) for point in funnel.stopping_points() if point.usual),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "any":
            return queryset.filter(funnel.gave_up(now))
        if self.value():
            return queryset.filter(funnel.gave_up_at(self.value(), now))
        return queryset
