"""Stripe events are processed as jobs of the one runner (kind "stripe_event"): each event
points at its job. Jobs may belong to no posting, and their names and keys grow to hold a
Stripe event's id. Kinds with a budget count their attempts per window (BudgetUse).

Zero downtime: every change adds (a nullable column, a table) or widens; the event's old
processing columns stay (the previous release reads them). Events stored before are
adopted here: each gets a job in the state its columns show; a pending one's job is due
since it was received, so recovery (wizard.jobs.recovery, lost tasks) queues it. Events
stored meanwhile by web processes of the previous release are adopted by
wizard.payments.stripe_events.adopt_events_without_job, a recovery repair.
"""

import django.db.models.deletion
from django.db import migrations, models

KIND = "stripe_event"  # wizard.payments.stripe_events.KIND, as it is at this migration


def adopt_events(apps, schema_editor):
    StripeEvent = apps.get_model("wizard", "StripeEvent")
    Job = apps.get_model("wizard", "Job")
    for event in StripeEvent.objects.filter(job=None).iterator():
        if event.processed_at:
            state = "sent"
        elif event.failed_at:
            state = "failed"
        else:
            state = "queued"
        event.job = Job.objects.create(
            posting=None,
            kind=KIND,
            name=event.event_id,
            key=f"{KIND}:{event.event_id}",
            payload={"type": event.type},
            state=state,
            attempts=event.attempts,
            last_error=event.error,
            queued_at=event.received_at,
            next_attempt_at=event.next_attempt_at or event.received_at,
            sent_at=event.processed_at,
            failed_at=event.failed_at,
        )
        event.save(update_fields=["job"])


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0014_jobs_package"),
    ]

    operations = [
        migrations.AddField(
            model_name="stripeevent",
            name="job",
            field=models.OneToOneField(
                blank=True,
                help_text="Its processing: attempts, state, last error.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stripe_event",
                to="wizard.job",
            ),
        ),
        migrations.AlterField(
            model_name="job",
            name="key",
            field=models.CharField(
                help_text="Idempotency key, given to providers that take one.",
                max_length=300,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="job",
            name="name",
            field=models.CharField(
                help_text="Which one of its kind, e.g. the email, the Stripe event's id.",
                max_length=255,
            ),
        ),
        migrations.AlterField(
            model_name="job",
            name="posting",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="jobs",
                to="wizard.jobposting",
            ),
        ),
        migrations.AlterModelOptions(
            name="job", options={"ordering": ["posting_id", "queued_at", "id"]}
        ),
        migrations.RunPython(adopt_events, migrations.RunPython.noop),
        migrations.CreateModel(
            name="BudgetUse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=30)),
                ("window_start", models.DateTimeField()),
                ("used", models.PositiveIntegerField(default=0)),
            ],
            options={
                "db_table": "wizard_job_budget_use",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "window_start"), name="one_budget_use_per_window"
                    )
                ],
            },
        ),
    ]
