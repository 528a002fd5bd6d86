from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "Job postings"

    def ready(self):
        from . import transitions  # noqa: F401  (connects the transition log)
