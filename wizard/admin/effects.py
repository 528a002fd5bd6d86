"""Staff screen for every side effect, of every kind, with a retry action."""

from django.contrib import admin, messages

from wizard.dashboard import numbers
from wizard.jobs import runner
from wizard.jobs.models import Job


class OutcomeFilter(admin.SimpleListFilter):
    """Trouble across states: what needs staff, and what took more than one attempt."""

    title = "trouble"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [
            ("attention", "Failed or bounced"),
            ("retried", "Retried (more than one attempt)"),
            ("retrying", "Retrying now (an attempt failed)"),
            ("recovered", "Done after retries"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "attention":
                return queryset.needing_attention()
            case "retried":
                return queryset.filter(attempts__gt=1)
            case "retrying":
                return queryset.filter(numbers.retrying())
            case "recovered":
                return queryset.filter(state__in=numbers.DONE, attempts__gt=1)
        return queryset


@admin.register(Job)
class EffectAdmin(admin.ModelAdmin):
    list_display = ["posting", "kind", "name", "target", "state", "attempts", "updated_at"]
    list_filter = [("state", admin.ChoicesFieldListFilter), "kind", OutcomeFilter]
    list_select_related = ["posting"]
    search_fields = ["key", "target", "provider_id", "posting__id", "posting__title"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Run selected side effects again", permissions=["change"])
    def retry(self, request, queryset):
        count = runner.retry(queryset)
        self.message_user(request, f"Queued {count} side effect(s) again.", messages.SUCCESS)
