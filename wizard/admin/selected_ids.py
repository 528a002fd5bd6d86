"""The admin's bulk actions act only on ids that are ids.

Django's changelist filters the selected rows with `pk__in=<the posted values>`: a value
that is not one of the model's ids (`_selected_action=not-a-uuid` for a UUID key, `x` for
an integer, a NUL anywhere) raises while the query is built, a 500. Every registered
ModelAdmin, ours and those of other apps (auth, axes, django-tasks-db), drops such values
before the action runs; with none left, Django says that no items were selected.
"""

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError


def is_id(model, value):
    if "\x00" in value:
        return False
    try:
        model._meta.pk.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def only_real_ids(model_admin):
    """Wrap one ModelAdmin's response_action so that it sees only well-formed ids."""
    response_action = model_admin.response_action
    if getattr(response_action, "only_real_ids", False):
        return

    def response_action_on_ids(request, queryset, *args, **kwargs):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        ids = [value for value in selected if is_id(model_admin.model, value)]
        if ids != selected:
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, ids)
            request.POST = post
        return response_action(request, queryset, *args, **kwargs)

    response_action_on_ids.only_real_ids = True
    model_admin.response_action = response_action_on_ids


def guard_every_admin(site=admin.site):
    for model_admin in site._registry.values():
        only_real_ids(model_admin)
