"""The "finish later" nonce gets the feature's name in code; its column keeps its first
name (`resume_nonce`), so this changes only Django's state and the old code still reads it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0016_payment_records"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="jobposting",
                    old_name="resume_nonce",
                    new_name="finish_later_nonce",
                ),
                migrations.AlterField(
                    model_name="jobposting",
                    name="finish_later_nonce",
                    field=models.CharField(blank=True, db_column="resume_nonce", max_length=32),
                ),
            ],
            database_operations=[],
        ),
    ]
