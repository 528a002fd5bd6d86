"""Where the log context ends: a web request when Django has finished it, a task when the
worker has run it; and where a task's begins (its lines carry the task id)."""

from django.core.signals import request_finished
from django.dispatch import receiver
from django.tasks.signals import task_finished, task_started

from wizard.ops import logs


@receiver(request_finished)
def forget_the_request(sender, **kwargs):
    logs.request_id.set(None)
    logs.posting_id.set(None)


@receiver(task_started)
def name_the_task(sender, task_result, **kwargs):
    logs.task_id.set(str(task_result.id))


@receiver(task_finished)
def forget_the_task(sender, task_result, **kwargs):
    logs.task_id.set(None)
