"""Effect becomes Job (wizard.jobs): the model and its related name are renamed in
Django's state only; the table keeps its name (wizard_effect), so nothing changes in the
database and processes still running the previous release keep working."""

import django.db.models.deletion
from django.db import migrations, models


def rename_content_type(old, new):
    """Staff's permissions follow the model: its content type and permission codenames
    (view_effect → view_job …) are renamed, so no group loses access."""

    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        Permission = apps.get_model("auth", "Permission")
        if ContentType.objects.filter(app_label="wizard", model=new).exists():
            return
        content_type = ContentType.objects.filter(app_label="wizard", model=old).first()
        if content_type is None:
            return  # a new database: post_migrate creates them
        content_type.model = new
        content_type.save()
        for permission in Permission.objects.filter(content_type=content_type):
            action = permission.codename.split("_", 1)[0]
            permission.codename = f"{action}_{new}"
            permission.name = f"Can {action} {new}"
            permission.save()

    return rename


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0013_board_search"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameModel("Effect", "Job"),
                migrations.AlterModelTable("job", "wizard_effect"),
                migrations.AlterField(
                    model_name="job",
                    name="posting",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jobs",
                        to="wizard.jobposting",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            rename_content_type("effect", "job"), rename_content_type("job", "effect")
        ),
    ]
