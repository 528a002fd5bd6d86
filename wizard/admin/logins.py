"""django-axes' screens of login attempts and lockouts, with their action guarded.

Staff clear a lockout by deleting its access attempt here (or with `manage.py axes_reset`).
Axes' own "Clean up expired attempts" action declares no permission, so any staff user who
may only view the attempts could run it; here it needs the delete permission.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin


class GuardedAccessAttemptAdmin(AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, GuardedAccessAttemptAdmin)
