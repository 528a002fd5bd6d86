"""The soak's knobs, read from SOAK_* environment variables (defaults in brackets)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name, default, kind=str):
    value = os.environ.get(name)
    return default if value in (None, "") else kind(value)


@dataclass(frozen=True)
class Knobs:
    employers: int  # SOAK_EMPLOYERS [200]: employers, each in their own browser session
    seconds: float  # SOAK_SECONDS [150]: the load phase, chaos included; employers still
    #                 at work when it ends stop where they are (reported as cut off)
    ramp_seconds: float  # SOAK_RAMP_SECONDS [60% of SOAK_SECONDS]: employers arrive over it
    workers: int  # SOAK_WORKERS [3]: db_worker processes
    drain_seconds: float  # SOAK_DRAIN_SECONDS [180]: the most to wait for the queue to drain
    kill_every: float  # SOAK_KILL_EVERY [5]: mean seconds between worker SIGKILLs (0: none)
    fault_every: float  # SOAK_FAULT_EVERY [2.5]: mean seconds between Stripe API faults (0: none)
    webhook_fault_every: float  # SOAK_WEBHOOK_FAULT_EVERY [3]: the same for webhook faults
    mail_failure_rate: float  # SOAK_MAIL_FAILURE_RATE [0.1]: sends that fail (transiently)
    expire_abandoned: bool  # SOAK_EXPIRE_ABANDONED [1]: after the load, move fakestripe's
    #                         clock past the checkouts' expiry so abandoned ones expire
    only: tuple  # SOAK_ONLY [all]: comma-separated profiles, to soak only those (debugging)
    seed: int  # SOAK_SEED [random]: the random choices (profiles, chaos) are repeatable
    database_url: str  # SOAK_DATABASE_URL [postgres://postgres@127.0.0.1:5432/jobwizard_soak]
    # The app's timing under the soak: short, so that recovery and retries happen within it.
    maintenance_interval: int  # SOAK_MAINTENANCE_INTERVAL_SECONDS [5]: the periodic jobs
    stuck_after: int  # SOAK_STUCK_AFTER_SECONDS [20]: when recovery steps in
    walk: bool  # SOAK_WALK [1]: first walk docs/operations.md on a clean copy (soak.walk)
    walk_from: str  # SOAK_WALK_FROM [415cb86]: the release the walk upgrades from (a git
    #                 revision: the one operators run); "none": a fresh install of HEAD
    run_dir: Path = field(default=PROJECT_ROOT / "var" / "soak")  # SOAK_DIR: logs, mail

    @classmethod
    def from_env(cls):
        seconds = _env("SOAK_SECONDS", 150.0, float)
        walk_from = _env("SOAK_WALK_FROM", "415cb86")
        return cls(
            employers=_env("SOAK_EMPLOYERS", 200, int),
            seconds=seconds,
            ramp_seconds=_env("SOAK_RAMP_SECONDS", seconds * 0.6, float),
            workers=_env("SOAK_WORKERS", 3, int),
            drain_seconds=_env("SOAK_DRAIN_SECONDS", 180.0, float),
            kill_every=_env("SOAK_KILL_EVERY", 5.0, float),
            fault_every=_env("SOAK_FAULT_EVERY", 2.5, float),
            webhook_fault_every=_env("SOAK_WEBHOOK_FAULT_EVERY", 3.0, float),
            mail_failure_rate=_env("SOAK_MAIL_FAILURE_RATE", 0.1, float),
            expire_abandoned=_env("SOAK_EXPIRE_ABANDONED", "1") not in ("0", "false", "no"),
            only=tuple(name.strip() for name in _env("SOAK_ONLY", "").split(",") if name.strip()),
            seed=_env("SOAK_SEED", int.from_bytes(os.urandom(4), "big"), int),
            database_url=_env(
                "SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jobwizard_soak"
            ),
            maintenance_interval=_env("SOAK_MAINTENANCE_INTERVAL_SECONDS", 5, int),
            stuck_after=_env("SOAK_STUCK_AFTER_SECONDS", 20, int),
            walk=_env("SOAK_WALK", "1") not in ("0", "false", "no"),
            walk_from="" if walk_from == "none" else walk_from,
            run_dir=Path(_env("SOAK_DIR", str(PROJECT_ROOT / "var" / "soak"))),
        )

    @property
    def mail_dir(self):
        return self.run_dir / "mail"

    @property
    def log_dir(self):
        return self.run_dir / "logs"
