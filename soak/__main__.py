"""python -m soak (make soak): the whole soak, start to end; exits 1 on any violation."""

import os
import random
import shutil
import sys
import threading
import time
from datetime import UTC, datetime

from soak import walk
from soak.chaos import Chaos
from soak.config import Knobs
from soak.employer import REQUEST_TIMEOUT, choose_profiles, settle_debit, visit
from soak.processes import Stack

# Moving fakestripe's clock this far expires every checkout (30 min and a minute of headroom).
EXPIRE_CHECKOUTS_SECONDS = 32 * 60
PROGRESS_EVERY = 15  # seconds between progress lines during the load


def say(text):
    print(text, flush=True)


def run_employers(knobs, stack, rng, chaos, sampler, began):
    """All employers, each in their own thread, arriving evenly over the ramp; returns
    their outcomes once all are done or the load phase is over (the rest are cut off)."""
    profiles = choose_profiles(knobs.employers, rng, knobs.only)
    web_urls = [stack.web_url(0), stack.web_url(1)]
    stop = threading.Event()
    outcomes = [None] * len(profiles)
    load_began = time.monotonic()

    def employer(index, profile, seed):
        arrival = load_began + knobs.ramp_seconds * index / len(profiles)
        if stop.wait(max(0.0, arrival - time.monotonic())):
            return
        emulators = (stack.fakestripe, stack.fakeproviders)
        outcomes[index] = visit(index + 1, profile, web_urls, emulators, seed, stop)

    threads = [
        threading.Thread(
            target=employer, args=(index, profile, rng.getrandbits(32)), name=f"employer-{index}"
        )
        for index, profile in enumerate(profiles)
    ]
    for thread in threads:
        thread.start()
    ends = load_began + knobs.seconds
    next_progress = time.monotonic() + PROGRESS_EVERY
    while any(thread.is_alive() for thread in threads) and time.monotonic() < ends:
        time.sleep(0.5)
        if time.monotonic() >= next_progress:
            next_progress += PROGRESS_EVERY
            done = [outcome for outcome in outcomes if outcome is not None]
            say(
                f"  {time.monotonic() - began:5.0f} s  employers done {len(done)}"
                f"/{len(profiles)}, paid {sum(o.paid for o in done)}; worker kills "
                f"{len(chaos.kills)}; Stripe faults {sum(chaos.api_faults.values())}; "
                f"tasks due at most {sampler.max_waiting}"
            )
    stop.set()  # employers still at work stop at their next step
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 10)
    return [outcome for outcome in outcomes if outcome is not None]


def main():
    knobs = Knobs.from_env()
    if knobs.walk and walk.main(knobs) != 0:
        return 1  # the operator's pages do not hold: no point soaking what cannot be deployed
    rng = random.Random(knobs.seed)
    started_at = datetime.now(UTC)
    load_at_start = os.getloadavg()[0]
    began = time.monotonic()
    shutil.rmtree(knobs.run_dir, ignore_errors=True)
    say(
        f"Soak: {knobs.employers} employers over {knobs.seconds:.0f} s, {knobs.workers} workers, "
        f"a worker killed every ~{knobs.kill_every:g} s, seed {knobs.seed}"
    )
    stack = Stack(knobs)
    timings = {}
    try:
        say("Setting up: fresh database, emulators, 2 web processes, workers, scheduler…")
        stack.start()
        timings["setup"] = time.monotonic() - began

        os.environ.update(stack.env)  # the checks read the app's database through its models
        import django

        django.setup()
        from soak import checks, choices, plan_checks, report, staff

        say("Staff add the plans in the admin and the promotion codes in Stripe")
        admin, prices = staff.set_up(stack)
        choices.PLANS.update(prices.plans)
        timings["setup"] = time.monotonic() - began
        sampler = checks.QueueSampler().start()
        chaos = Chaos(stack, knobs, rng, began, checks.busy_worker_ids).start()
        say(f"Load: employers arriving over {knobs.ramp_seconds:.0f} s, chaos on")
        phase = time.monotonic()
        price_changes = staff.PriceChanges(admin, prices, knobs.ramp_seconds)
        price_changes.start()
        outcomes = run_employers(knobs, stack, rng, chaos, sampler, began)
        chaos.stop()
        price_changes.stop()
        timings["load"] = time.monotonic() - phase

        phase = time.monotonic()
        unsettled = [outcome for outcome in outcomes if outcome.debit_session]
        if unsettled:
            say(f"The bank settles the {len(unsettled)} debit(s) its employers did not wait for")
            for outcome in unsettled:
                settle_debit(stack.fakestripe, outcome, succeeded=True)
        if knobs.expire_abandoned:
            say("Abandoned checkouts: moving fakestripe's clock past their expiry")
            stack.fakestripe.advance_clock(EXPIRE_CHECKOUTS_SECONDS)
        say(f"Draining (at most {knobs.drain_seconds:.0f} s)…")
        waited, drained, left = checks.wait_until_drained(
            stack.dead_worker_ids, knobs.drain_seconds, knobs.expire_abandoned
        )
        if not drained:
            say(f"  still to do: {left}")
        sampler.stop()
        timings["drain"] = time.monotonic() - phase

        phase = time.monotonic()
        facts = checks.gather(stack.fakestripe.url, stack.dead_worker_ids(), knobs.mail_dir)
        results = checks.run_all(facts, outcomes, chaos.kills, drained, waited, knobs.drain_seconds)
        plan_facts = plan_checks.gather(prices, price_changes.errors)
        results += plan_checks.run_all(plan_facts, facts, outcomes)
        pending = chaos.pending_faults()
        timings["checks"] = time.monotonic() - phase
        run = report.Run(
            knobs=knobs,
            started_at=started_at,
            load_at_start=load_at_start,
            outcomes=outcomes,
            chaos=chaos,
            pending_faults=pending,
            facts=facts,
            plan_facts=plan_facts,
            results=results,
            sampler=sampler,
            drained=drained,
            drain_seconds=waited,
            timings=timings,
        )
        say("")
        for line in report.lines(run):
            say(line)
        return 0 if all(check.ok for check in results) else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
