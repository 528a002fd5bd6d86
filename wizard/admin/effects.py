"""Staff screens for every side effect, of every kind, with a retry action, and for the
notices staff were told."""

from django.contrib import admin, messages

from wizard.dashboard import numbers
from wizard.jobs import runner
from wizard.jobs.models import Job, StaffNotice


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


@admin.register(StaffNotice)
class StaffNoticeAdmin(admin.ModelAdmin):
    """What staff were told, and in which digest of each channel (its job)."""

    list_display = ["subject", "posting", "raised_at", "email_digest", "webhook_digest"]
    list_select_related = ["posting", "email_digest", "webhook_digest"]
    search_fields = ["name", "subject", "posting__id", "posting__title"]
    readonly_fields = [f.name for f in StaffNotice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
