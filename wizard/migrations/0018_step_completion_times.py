# The staff funnel (wizard.dashboard.funnel) counts a step by the time the flow recorded
# it complete (step_data[name]["completed_at"]), not by the statuses a posting went
# through. Postings whose steps were completed before the flow recorded those times get
# them from their transition log: the first row that reached the step's status or one
# after it (for the phone step, its own verified_at). Data only: the old code reads and
# writes the same key, so this is safe while it still serves; each row is written once.

from django.db import migrations

PAID_LIFE = ["paid", "confirmed", "in_review", "published", "rejected", "expired", "refunded"]
AFTER_DETAILS = ["phone_verified", "ready_to_pay", "awaiting_payment", *PAID_LIFE]
# The step, and the statuses that show it was complete, as the flow stood then.
REACHED = {
    "logo": ["logo_ready", "details_ready", *AFTER_DETAILS],
    "details": ["details_ready", *AFTER_DETAILS],
}


def completion_times(posting, log):
    """{step: when} for the steps this posting completed and has no time for."""
    found = {}
    for step, statuses in REACHED.items():
        if "completed_at" in posting.step_data.get(step, {}):
            continue
        at = next((row.at for row in log if row.target in statuses), None)
        if at is None and posting.status in statuses:
            at = posting.created_at  # made without a log: its status says it got there
        if at is not None:
            found[step] = at
    phone = posting.step_data.get("phone", {})
    if phone.get("verified_at") and "completed_at" not in phone:
        found["phone"] = phone["verified_at"]
    return found


def forwards(apps, schema_editor):
    JobPosting = apps.get_model("wizard", "JobPosting")
    TransitionLog = apps.get_model("wizard", "TransitionLog")
    for posting in JobPosting.objects.only("pk", "status", "step_data", "created_at").iterator():
        log = list(TransitionLog.objects.filter(posting_id=posting.pk).order_by("at", "id"))
        found = completion_times(posting, log)
        if not found:
            continue
        step_data = dict(posting.step_data)
        for step, at in found.items():
            at = at if isinstance(at, str) else at.isoformat()
            step_data[step] = {**step_data.get(step, {}), "completed_at": at}
        JobPosting.objects.filter(pk=posting.pk).update(step_data=step_data)


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0017_finish_later_nonce"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
