"""django-tasks-db's screen of task rows, with what staff ask of a queue: which rows are
due now (the queue's backlog) and which wait for a later run_after (a retry's backoff),
and by task. The dashboard's queue chart links here."""

from django.contrib import admin
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from wizard.dashboard import numbers


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("now", "Ready and due now"), ("later", "Ready, due later")]

    def queryset(self, request, queryset):
        due = numbers.due(timezone.now())
        if self.value() == "now":
            return queryset.filter(due)
        if self.value() == "later":
            return queryset.filter(status=TaskResultStatus.READY).exclude(due)
        return queryset


class TaskResultAdmin(DBTaskResultAdmin):
    list_filter = [
        DueFilter,
        "status",
        ("task_path", admin.AllValuesFieldListFilter),
        "priority",
        "queue_name",
    ]


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
