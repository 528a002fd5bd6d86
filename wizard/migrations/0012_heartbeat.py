# The scheduler's heartbeat (wizard.ops). Numbered 0012: 0011 belongs to a parallel branch;
# when both are merged, this migration's dependency becomes that 0011.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0011_workplace_and_structured_location"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("name", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("beat_at", models.DateTimeField()),
                ("host", models.CharField(blank=True, max_length=255)),
                ("pid", models.PositiveIntegerField(blank=True, null=True)),
            ],
        ),
    ]
