"""The settings the tests run with (pyproject.toml names this module): config.settings
with DEBUG on, as `make run` has it, because DEBUG defaults to off. The variable is set in
this process's environment, so the app processes, emulators and manage.py commands that
tests start inherit it too; a test that wants production settings sets DEBUG=false itself."""

import os

os.environ["DEBUG"] = "true"

from config.settings import *  # noqa: E402, F403
