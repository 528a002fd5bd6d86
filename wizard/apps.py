from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "Job postings"

    def ready(self):
        from . import (
            mailing,  # noqa: F401  (receives the ESP's delivery reports)
            transitions,  # noqa: F401  (connects the transition log)
        )
