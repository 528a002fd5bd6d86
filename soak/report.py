"""The soak's summary: what ran, what was done to it, what it did, and the invariants."""

import os
import platform
from collections import Counter
from dataclasses import dataclass

from soak import checks, plan_checks


@dataclass
class Run:
    """Everything the summary reports, gathered by __main__."""

    knobs: object
    started_at: object  # datetime, UTC
    load_at_start: float
    outcomes: list
    chaos: object
    pending_faults: tuple  # (api requests, webhook events) injected but not used
    facts: object
    plan_facts: object  # soak/plan_checks.py's
    results: list
    sampler: object
    drained: bool
    drain_seconds: float
    timings: dict  # phase -> seconds


def counts(counter):
    return ", ".join(f"{name} {count}" for name, count in counter.most_common()) or "none"


def minutes(seconds):
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def email_name(effect):
    """What an email job is, for the mail line: a sign-in email is named by its request."""
    return "sign-in code" if effect.kind == "sign_in_email" else effect.name


def returning(outcomes, facts):
    """What the returning employers (soak/returning.py) got done."""
    done = Counter()
    for outcome in outcomes:
        if outcome.renewal_sessions:
            done["renewed"] += 1
        copy = facts.postings.get(outcome.posting_id) if outcome.original_id else None
        if copy is not None:
            done["duplicated with a logo" if copy.logo else "duplicated without a logo"] += 1
        if outcome.edit_decision:
            done[f"live edit {outcome.edit_decision}"] += 1
    return done


def lines(run):
    knobs, outcomes, chaos, facts = run.knobs, run.outcomes, run.chaos, run.facts
    paid = [outcome for outcome in outcomes if outcome.paid]
    late = [outcome for outcome in outcomes if outcome.late_session]
    statuses = Counter()
    for outcome in outcomes:
        statuses += outcome.statuses
    requests = sum(statuses.values())
    friendly = statuses[503]
    other_5xx = sum(count for status, count in statuses.items() if status >= 500) - friendly
    mail = Counter(entry["outcome"] for entry in facts.mail)
    names = {str(effect.pk): email_name(effect) for effect in facts.effects}
    mail_kinds = Counter(
        names.get(entry["effect"], "?") for entry in facts.mail if entry["outcome"] == "sent"
    )
    money = checks.money(facts)
    full = sum(1 for charge in money if charge.charge["refunded"])
    part = sum(1 for charge in money if 0 < charge.refunded < charge.charge["amount"])
    lost = sum(1 for charge in money if charge.lost)
    kept = sum(1 for charge in money if charge.kept > 0)
    stripe_side = Counter(
        what.split(" (")[0]
        for outcome in outcomes
        for what in outcome.bank
        if "evidence" not in what
    )
    api_pending, webhook_pending = run.pending_faults
    api_total, webhook_total = sum(chaos.api_faults.values()), sum(chaos.webhook_faults.values())
    returns = facts.task_returns
    timings = run.timings
    load = os.getloadavg()[0]
    yield (
        f"Jobwizard soak, {run.started_at:%Y-%m-%d %H:%M} UTC, on {platform.node()} "
        f"({os.cpu_count()} CPUs, load {run.load_at_start:.1f} at start, {load:.1f} at end), "
        f"seed {knobs.seed}"
    )
    yield ""
    rows = [
        (
            "processes",
            f"2 web (gunicorn, 1 process x 6 threads each, DEBUG off), {knobs.workers} "
            "db_workers, 1 scheduler, fakestripe, fakeproviders; PostgreSQL",
        ),
        (
            "employers",
            f"{len(outcomes)} arrived over {knobs.ramp_seconds:.0f} s: "
            f"{sum(o.finished for o in outcomes)} finished, "
            f"{sum(o.cut_off for o in outcomes)} cut off at the end of the load, "
            f"{sum(bool(o.unexpected) for o in outcomes)} stopped by an unexpected page",
        ),
        ("profiles", counts(Counter(outcome.profile for outcome in outcomes))),
        (
            "paid",
            f"{len(paid)} employers paid on Stripe's page (and {len(late)} late payments of "
            "a checkout replaced by an edit arrived)",
        ),
        (
            "abandoned",
            f"{len(outcomes) - len(paid)} employers left without paying: "
            + counts(Counter(o.profile for o in outcomes if not o.paid)),
        ),
        ("postings", counts(Counter(posting.status for posting in facts.postings.values()))),
        (
            "HTTP",
            f"{requests} requests by employers: {friendly} friendly 503s, {other_5xx} other "
            f"5xx; employers tried again {sum(o.retries for o in outcomes)} times",
        ),
        ("worker kills", f"{len(chaos.kills)} SIGKILLs, each worker restarted 0.5-3 s later"),
        (
            "Stripe faults",
            f"{api_total} API requests ({counts(chaos.api_faults)}), "
            f"{api_total - api_pending} used",
        ),
        (
            "webhook faults",
            f"{webhook_total} events ({counts(chaos.webhook_faults)}), "
            f"{webhook_total - webhook_pending} used; destination switched "
            f"{chaos.webhook_switches} times between the web processes",
        ),
        (
            "mail",
            f"{mail['sent']} sent ({counts(mail_kinds)}), {mail['failed']} failed on purpose "
            f"and retried; {checks.duplicates(facts)} duplicates",
        ),
        ("Stripe's side", counts(stripe_side)),
        ("returning", counts(returning(outcomes, facts))),
        *plan_checks.numbers(run.plan_facts, facts, outcomes),
        (
            "delayed",
            "Pay pressed while a debit was processing: "
            + counts(
                Counter(
                    outcome.pay_while_processing.split(" ")[0]
                    for outcome in outcomes
                    if outcome.pay_while_processing
                )
            )
            + " (HTTP status)",
        ),
        (
            "money",
            f"{len(money)} charges at Stripe: {full} refunded in full, {part} in part, "
            f"{lost} lost in disputes, {kept} kept; {len(checks.processing(facts))} debits "
            "still processing",
        ),
        (
            "recovery",
            f"{len(returns.get('recover_stuck_side_effects', []))} jobs re-queued, "
            f"{len(returns.get('fail_dead_tasks', []))} dead task rows failed, "
            f"{len(returns.get('reconcile_payments', []))} differences found by the reconciler",
        ),
        (
            "queue",
            f"at most {run.sampler.max_waiting} tasks due at once, the longest waited "
            f"{run.sampler.max_age:.1f} s; drained {run.drain_seconds:.0f} s after the load"
            + ("" if run.drained else " (NOT drained)"),
        ),
        (
            "time",
            ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in timings.items())
            + f": {minutes(sum(timings.values()))} in all",
        ),
    ]
    for name, text in rows:
        yield f"  {name:<15}{text}"
    yield ""
    for check in run.results:
        yield f"  {'PASS' if check.ok else 'FAIL'}  {check.name}"
        for violation in check.violations[: checks.SHOW]:
            yield f"          - {violation}"
        if len(check.violations) > checks.SHOW:
            yield f"          … and {len(check.violations) - checks.SHOW} more"
    if chaos.errors:
        yield f"  Chaos could not do everything: {'; '.join(chaos.errors[: checks.SHOW])}"
    failed = [check for check in run.results if not check.ok]
    yield ""
    yield (
        f"RESULT: {'FAIL' if failed else 'PASS'} "
        f"({len(run.results) - len(failed)} of {len(run.results)} invariants hold); "
        f"logs in {knobs.log_dir}"
    )
