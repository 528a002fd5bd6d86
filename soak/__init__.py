"""A soak test of the production shape: `make soak` (or `python -m soak`).

On a fresh PostgreSQL database it starts fakestripe and fakeproviders, two gunicorn web
processes (DEBUG off), a few `db_worker` processes and the scheduler; walks a crowd of
simulated employers through the wizard at once while Stripe and the mailer fail on
purpose and workers are SIGKILLed at random; lets the system drain; then checks what
must hold whatever happened, and prints a summary. It exits non-zero on any violation.

    config.py     the knobs (SOAK_* environment variables)
    processes.py  the database and the processes: start, kill, restart, stop
    mailer.py     the email backend the app processes use: flaky, and counted
    employer.py   one employer's browser and the ways employers go through the flow
    bank.py       Stripe's side after a payment: disputes, fraud warnings, Dashboard refunds
    stripe_api.py reading what fakestripe has through its /v1 API
    chaos.py      worker kills, Stripe API and webhook faults, while employers work
    checks.py     waiting for the queue to drain, and the invariants
    report.py     the summary
    __main__.py   the run, start to end

It uses no pytest; it reuses the test suite's emulator helpers (tests/*_process.py).
"""
