"""Staff screen for every side effect, of every kind, with a retry action."""

from django.contrib import admin, messages

from wizard.effects import runner
from wizard.effects.models import Effect


@admin.register(Effect)
class EffectAdmin(admin.ModelAdmin):
    list_display = ["posting", "kind", "name", "target", "state", "attempts", "updated_at"]
    list_filter = [("state", admin.ChoicesFieldListFilter), "kind"]
    list_select_related = ["posting"]
    search_fields = ["key", "target", "provider_id", "posting__id", "posting__title"]
    readonly_fields = [f.name for f in Effect._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Run selected side effects again", permissions=["change"])
    def retry(self, request, queryset):
        count = runner.retry(queryset)
        self.message_user(request, f"Queued {count} side effect(s) again.", messages.SUCCESS)
