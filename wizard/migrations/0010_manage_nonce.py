# Existing postings get an empty nonce, so that the "manage your posting" links already
# emailed (signed over the posting id alone) keep working until the employer asks for a
# new link; postings made from now on get a random nonce.

from django.db import migrations, models

import wizard.postings.models


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0009_refund_stripe_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobposting",
            name="manage_nonce",
            field=models.CharField(blank=True, default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="jobposting",
            name="manage_nonce",
            field=models.CharField(
                blank=True, default=wizard.postings.models.new_nonce, max_length=32
            ),
        ),
    ]
