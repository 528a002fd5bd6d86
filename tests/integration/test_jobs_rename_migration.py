"""Migration 0014 renames Effect to Job in Django's state only: staff's permissions must
follow (a group allowed to view effects may view jobs), or the rename locks them out."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

pytestmark = pytest.mark.django_db

migration = importlib.import_module("wizard.migrations.0014_jobs_package")


def as_the_previous_release_left_it():
    """The database before 0014: the content type and permissions named after `effect`."""
    content_type = ContentType.objects.get(app_label="wizard", model="job")
    content_type.model = "effect"
    content_type.save()
    for permission in Permission.objects.filter(content_type=content_type):
        permission.codename = permission.codename.replace("_job", "_effect")
        permission.save()
    ContentType.objects.clear_cache()


def test_a_group_that_could_view_effects_can_view_jobs():
    as_the_previous_release_left_it()
    staff = Group.objects.create(name="Reviewers")
    staff.permissions.add(Permission.objects.get(codename="view_effect"))

    migration.rename_content_type("effect", "job")(apps, None)
    ContentType.objects.clear_cache()

    assert set(staff.permissions.values_list("codename", flat=True)) == {"view_job"}
    assert not ContentType.objects.filter(app_label="wizard", model="effect").exists()


def test_it_is_reversible_and_safe_to_run_twice():
    rename = migration.rename_content_type("effect", "job")
    rename(apps, None)  # a new database: the job content type exists already
    assert Permission.objects.filter(codename="change_job").count() == 1
    migration.rename_content_type("job", "effect")(apps, None)
    assert Permission.objects.filter(codename="change_effect").count() == 1
