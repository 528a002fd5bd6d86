"""Switch the company step on: list it in FLOW before payment, serve its URL, its
template and its emulator, as a deployment with its line in FLOW would."""

from contextlib import contextmanager
from pathlib import Path

from django.test import override_settings
from django.urls import clear_url_caches

from tests.extension import emulator
from tests.extension.step import CompanyStep
from wizard import urls
from wizard.flow.order import FLOW

TEMPLATES = Path(__file__).parent / "templates"


@contextmanager
def company_step_on():
    from django.conf import settings

    base_url, stop = emulator.serve()
    templates = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]}]
    step = CompanyStep()
    step.flow = FLOW
    pattern = urls.step_path(step)
    with override_settings(COMPANY_REGISTRY_URL=base_url, TEMPLATES=templates):
        FLOW.steps.insert(FLOW.steps.index(FLOW.payment), step)
        urls.urlpatterns.append(pattern)
        clear_url_caches()
        try:
            yield step
        finally:
            FLOW.steps.remove(step)
            urls.urlpatterns.remove(pattern)
            clear_url_caches()
            stop()
