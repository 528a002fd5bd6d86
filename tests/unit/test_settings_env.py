"""Environment variables that were renamed keep working under their former name."""

import importlib.util

import config.settings


def fresh_settings():
    """config/settings.py executed again, reading the environment as it is now."""
    spec = importlib.util.spec_from_file_location("fresh_settings", config.settings.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_finish_later_link_max_age_reads_its_former_name_as_a_fallback(monkeypatch):
    monkeypatch.delenv("FINISH_LATER_LINK_MAX_AGE_DAYS", raising=False)
    monkeypatch.delenv("RESUME_LINK_MAX_AGE_DAYS", raising=False)
    assert fresh_settings().FINISH_LATER_LINK_MAX_AGE_DAYS == 7
    monkeypatch.setenv("RESUME_LINK_MAX_AGE_DAYS", "9")
    assert fresh_settings().FINISH_LATER_LINK_MAX_AGE_DAYS == 9
    monkeypatch.setenv("FINISH_LATER_LINK_MAX_AGE_DAYS", "3")
    assert fresh_settings().FINISH_LATER_LINK_MAX_AGE_DAYS == 3
