import importlib

from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "Jobwizard"

    def ready(self):
        # The side-effect kinds: each registers itself with the runner and subscribes
        # to the lifecycle events that call for it. The task id on the worker's log
        # lines, and the deployment checks. The transition log and the lifecycle events.
        # The board's cache, which forgets its pages when a published posting changes.
        from wizard.board import cache  # noqa: F401
        from wizard.effects import email, indexing, sign_in_email, vat_recheck  # noqa: F401
        from wizard.flow import order  # noqa: F401  (registers the flow: postings.progress)
        from wizard.jobs import staff_alert  # noqa: F401
        from wizard.ops import checks, signals, watch  # noqa: F401  (what staff are told)
        from wizard.payments import checks as payment_checks  # noqa: F401  (the price)
        from wizard.payments import refund_kind, stripe_events  # noqa: F401
        from wizard.postings import events, review, transitions  # noqa: F401

        # Every admin's bulk actions ignore posted ids that are not ids (django.contrib.admin
        # comes first in INSTALLED_APPS: every app's admin is registered by now).
        selected_ids = importlib.import_module("wizard.admin.selected_ids")
        selected_ids.guard_every_admin()
