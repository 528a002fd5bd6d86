from django.core.management.base import BaseCommand, CommandError

from wizard.payments.reconcile import ReconcileIncomplete, reconcile


class Command(BaseCommand):
    help = "Compare Stripe's Checkout Sessions with the postings and repair the differences."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the differences without repairing them."
        )

    def handle(self, *args, dry_run=False, **options):
        failures = []
        try:
            differences = reconcile(dry_run=dry_run)
        except ReconcileIncomplete as incomplete:
            differences, failures = incomplete.differences, incomplete.failures
        for difference in differences:
            self.stdout.write(str(difference))
        summary = f"{len(differences)} difference(s)"
        if dry_run:
            summary += "; dry run, nothing changed"
        self.stdout.write(summary)
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            raise CommandError(f"{len(failures)} check(s) could not be made; run again later.")
