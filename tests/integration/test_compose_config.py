"""compose.yaml's app environment passes its own release step: `check --deploy` (errors
fail it, warnings do not) and `migrate`, run as compose runs them, with exactly that
environment. Only the database host `db` is replaced, by the test database. The other
hosts are not here either: the checks do not reach them, and migrate's bump of the board's
version (wizard.board.cache) logs that the cache is unreachable and carries on, as it does
whenever Redis is down."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.processes import PROJECT_ROOT, database_url

COMPOSE = PROJECT_ROOT / "compose.yaml"
# What `docker compose up` is given on its command line (compose.yaml requires it).
SHELL_ENVIRONMENT = {"STRIPE_SECRET_KEY": "sk_test_compose_config_check"}
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value, shell):
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}`."""

    def replace(match):
        name, op, arg = match["name"], match["op"], match["arg"]
        given = shell.get(name)
        if given or (given is not None and op in ("-", "?")):
            return given
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise AssertionError(f"compose.yaml requires {name}: {arg}")
        return ""

    return VARIABLE.sub(replace, str(value))


def compose_service(name, shell=SHELL_ENVIRONMENT):
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    service = services[name]
    environment = {key: interpolate(value, shell) for key, value in service["environment"].items()}
    return service, environment


def test_interpolation_takes_defaults_and_requires_what_compose_requires():
    assert interpolate("${A:-x}", {}) == "x"
    assert interpolate("${A:-x}", {"A": "y"}) == "y"
    assert interpolate("a${A:?set A}b", {"A": "1"}) == "a1b"
    with pytest.raises(AssertionError, match="set A"):
        interpolate("${A:?set A}", {})


@pytest.mark.django_db(transaction=True)
def test_the_release_step_passes_with_compose_environment(tmp_path):
    service, environment = compose_service("release")
    assert environment["DATABASE_URL"].startswith("postgres://jobwizard:jobwizard@db:5432/")
    assert environment["DEBUG"] == "false"
    environment["DATABASE_URL"] = database_url()
    # `python` is the project's, as in the image; nothing else of this process's environment.
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    result = subprocess.run(
        service["command"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified" in result.stderr + result.stdout
