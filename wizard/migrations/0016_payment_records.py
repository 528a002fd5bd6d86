"""Payments are records: the posting points at its current PaymentAttempt, which gains its
PaymentIntent and when it was paid.

Zero-downtime: the posting's old copy of its attempt (payment_attempt, price_amount,
price_currency, checkout_session_id, payment_intent_id) stays in the database, because
processes of the previous release still read it during the upgrade; this release keeps
it in step (wizard.payments.attempts) and reads it nowhere. The next release runs
`point_postings_at_their_attempts` once more (for what the previous release wrote while
both served), then drops those columns.
"""

import django.db.models.deletion
from django.db import migrations, models


def point_postings_at_their_attempts(apps, schema_editor):
    """Fill the pointer and the attempts' payment from the posting's copy. Idempotent.

    A posting paid before attempts were recorded (0008) has no attempt row: one is
    recorded from the posting, so that its payment can still be refunded."""
    if schema_editor.connection.vendor == "postgresql":
        # Foreign keys checked at each write, not at the commit: PostgreSQL refuses the
        # indexes this migration creates last while row checks are still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    JobPosting = apps.get_model("wizard", "JobPosting")
    PaymentAttempt = apps.get_model("wizard", "PaymentAttempt")
    postings = JobPosting.objects.filter(payment_attempt__gt=0).order_by("pk")
    for posting in postings.iterator(chunk_size=500):
        attempt = PaymentAttempt.objects.filter(
            posting_id=posting.pk, number=posting.payment_attempt
        ).first()
        if attempt is None:
            at = posting.paid_at or posting.updated_at
            attempt = PaymentAttempt(
                posting_id=posting.pk,
                number=posting.payment_attempt,
                amount=posting.price_amount or 0,
                currency=posting.price_currency,
                reviewed="",
                expires_at=at,
                session_id=posting.checkout_session_id,
                state="open" if posting.status == "awaiting_payment" else "closed",
                closed_at=None if posting.status == "awaiting_payment" else at,
                note="Recorded from the posting by migration 0016",
            )
        if posting.payment_intent_id and not attempt.payment_intent_id:
            attempt.payment_intent_id = posting.payment_intent_id
            attempt.paid_at = attempt.paid_at or posting.paid_at
            attempt.state = "paid"
        attempt.save()
        if posting.current_attempt_id != attempt.pk:
            JobPosting.objects.filter(pk=posting.pk).update(current_attempt=attempt)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0015_jobs_for_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentattempt",
            name="payment_intent_id",
            field=models.CharField(
                blank=True, db_index=True, help_text="Set when the attempt is paid.", max_length=255
            ),
        ),
        migrations.AddField(
            model_name="paymentattempt",
            name="paid_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="jobposting",
            name="current_attempt",
            field=models.ForeignKey(
                blank=True,
                help_text="The latest press of Pay; nothing on the posting copies its fields.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wizard.paymentattempt",
            ),
        ),
        migrations.RunPython(point_postings_at_their_attempts, migrations.RunPython.noop),
    ]
