"""Room in the free-text columns for the marks a script needs on top of the characters
people see (the forms limit what is seen: JobPosting.VISIBLE_MAX_LENGTHS). Widening a
varchar is safe while the previous release serves: it writes at most the old lengths."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0021_payment_processing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="jobposting",
            name="company_name",
            field=models.CharField(blank=True, max_length=480),
        ),
        migrations.AlterField(
            model_name="jobposting",
            name="title",
            field=models.CharField(blank=True, max_length=480),
        ),
        migrations.AlterField(
            model_name="jobposting",
            name="city",
            field=models.CharField(blank=True, max_length=400),
        ),
        migrations.AlterField(
            model_name="jobposting",
            name="region",
            field=models.CharField(blank=True, max_length=400),
        ),
    ]
