"""The walk's upgrade (docs/deploying.md, "Upgrading without downtime"), with real processes:
the previous release (SOAK_WALK_FROM) serves an employer who has paid and one in the
middle of the wizard; the new release's release command migrates the database while the
old processes keep serving, polled all along; then each old process is replaced by the new
release's, in the documented order, and the employer in the middle of the wizard pays on
the new release with the same browser session.

The polls are the draft owner's (their wizard pages, a POST of the details step, the board,
/health/live/), through the load balancer. Any answer that is not the one expected fails
the walk, naming it: a 500 from old code on a schema it does not know, a 502 from a web
process stopped while it was still behind the load balancer.
"""

import random
import threading
import time

import requests

from soak.employer import Browser, Outcome, Unexpected, Visit, expect, pay_and_return


class WalkFailed(Exception):
    pass


class Poller:
    """The draft owner at work, over and over, on whichever web process answers; what went
    wrong is kept with the phase of the upgrade it happened in."""

    def __init__(self, visit):
        self.visit = visit
        self.phase = "before"
        self.rounds = {}  # phase -> rounds of polls completed in it
        self.failures = []  # (phase, what)
        self.slowest = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    @property
    def requests(self):
        return self.visit.outcome.requests

    def run(self):
        browser = self.visit.b
        while not self.stop.is_set():
            phase, started = self.phase, time.monotonic()
            try:
                expect(browser.get(self.visit.step_path("logo")), 200, what="the logo step")
                next_step = self.visit.details()  # a GET and a POST of the details step
                expect(browser.get(next_step), 200, what="the step after the details")
                expect(browser.get("/"), 200, what="the board")
                expect(browser.get("/health/live/"), 200, what="/health/live/")
            except (Unexpected, requests.RequestException) as exc:
                self.failures.append((phase, str(exc)))
                self.stop.wait(0.5)
            else:
                self.rounds[phase] = self.rounds.get(phase, 0) + 1
            self.slowest = max(self.slowest, time.monotonic() - started)

    def wait_for_rounds(self, phase, count, timeout=60):
        deadline = time.monotonic() + timeout
        while self.rounds.get(phase, 0) < count and not self.failures:
            if time.monotonic() > deadline:
                raise WalkFailed(f"waited {timeout} s for {count} rounds of polls ({phase})")
            time.sleep(0.1)

    def start(self):
        self.thread.start()
        return self

    def close(self):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()

    def check(self):
        if self.failures:
            shown = "; ".join(f"{phase}: {what}" for phase, what in self.failures[:5])
            more = f" (and {len(self.failures) - 5} more)" if len(self.failures) > 5 else ""
            raise WalkFailed(f"{len(self.failures)} failed polls: {shown}{more}")


def start_draft(walk):
    """An employer of the previous release part-way through the wizard."""
    outcome = Outcome(number=2, profile="draft")
    browser = Browser([walk.base], outcome, random.Random(3), threading.Event())
    walk.draft = Visit(browser, walk.fakestripe)
    walk.draft.start()
    walk.draft.skip_logo()
    walk.draft.details()
    return f"posting {outcome.posting_id}: the logo skipped, the details saved, not paid"


def release_while_old_serves(walk):
    """The new release's release line against the database the previous release serves."""
    walk.poller = Poller(walk.draft).start()  # closed by replace_processes, or walk.stop()
    walk.poller.wait_for_rounds("before", 2)
    walk.poller.phase = "during the migrate"
    began = time.monotonic()
    detail = walk.release(walk.new)
    seconds = time.monotonic() - began
    walk.poller.phase = "after the migrate, old processes only"
    walk.poller.wait_for_rounds(walk.poller.phase, 5)
    walk.poller.check()
    during = walk.poller.rounds.get("during the migrate", 0)
    return (
        f"{detail}; the old web polled throughout ({walk.poller.requests} requests so far, "
        f"{during} rounds during the {seconds:.1f} s of the release), none failed"
    )


def replace_processes(walk):
    """docs/deploying.md's order: web (new one in, old one out), workers, scheduler."""
    poller, began = walk.poller, time.monotonic()
    old_web, old_worker, old_scheduler = walk.web, walk.worker, walk.scheduler
    try:
        poller.phase = "old and new web side by side"
        web = walk.start_process("web", walk.new)
        if not walk.wait_for_ok(f"{web.url}/health/live/"):
            raise WalkFailed(f"the new web process at {web.url} did not answer /health/live/")
        walk.balancer.backends = [old_web.url, web.url]
        poller.wait_for_rounds(poller.phase, 5)
        poller.phase = "new web only"
        walk.balancer.backends = [web.url]
        old_web.stop()
        old_worker.stop()
        walk.worker = walk.start_process("worker", walk.new)
        old_scheduler.stop()
        walk.scheduler = walk.start_process("scheduler", walk.new)
        walk.web = web
        poller.wait_for_rounds(poller.phase, 5)
    finally:
        poller.close()
    poller.check()
    total = sum(poller.rounds.values())
    return (
        f"web, worker, scheduler of {walk.new.revision} in {time.monotonic() - began:.1f} s; "
        f"{poller.requests} polls in {total} rounds across the upgrade, none failed (the "
        f"slowest round {poller.slowest:.1f} s)"
    )


def draft_pays_on_new(walk):
    """The draft owner finishes on the new release, in the same session; the posting paid
    on the previous release is still in review."""
    visit = walk.draft
    visit.b.stop = threading.Event()
    pay_and_return(visit, watch=False)
    if visit.watch_confirmation(until_in_review=True, polls=10) is None:
        raise WalkFailed("the draft owner's posting did not reach review on the new release")
    for posting_id in (walk.posting_id, visit.outcome.posting_id):
        if not walk.query(
            "SELECT 1 FROM wizard_jobposting WHERE id = %s AND status = 'in_review'", posting_id
        ):
            raise WalkFailed(f"posting {posting_id} is not in review")
    tab = walk.browser.new_tab()
    if Visit(tab, walk.fakestripe).watch_confirmation(until_in_review=True, polls=3) is None:
        raise WalkFailed("the employer who paid on the previous release no longer sees it")
    return (
        f"posting {visit.outcome.posting_id} paid and in review, same session; posting "
        f"{walk.posting_id} (paid on {walk.previous.revision}) in review, its employer sees it"
    )
