from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "Job postings"

    def ready(self):
        # Modules that connect signal receivers: the transition log and the ESP's
        # delivery reports.
        from wizard.effects import runner  # noqa: F401
        from wizard.postings import transitions  # noqa: F401
