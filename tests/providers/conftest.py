import pytest


@pytest.fixture
def slow_provider(settings, fakeproviders):
    """A provider that answers later than the client waits."""
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3
    return lambda path: fakeproviders.add_fault("timeout", path=path, delay=3)
