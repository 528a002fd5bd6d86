from django.core.management.base import BaseCommand

from wizard.maintenance.jobs import ensure_scheduled


class Command(BaseCommand):
    help = "Queue the periodic maintenance task (reconcilers) unless a run is already queued."

    def handle(self, *args, **options):
        if ensure_scheduled():
            self.stdout.write("Periodic maintenance queued.")
        else:
            self.stdout.write("Periodic maintenance was already queued.")
