"""The walk's restore drill (docs/operations.md, "Restore drill"), with the board's cache in
play: a posting is published after the backup and the board is loaded, so Redis holds a
page listing it; the database is then restored from the backup and a web process serves
from it with the same Redis, before and after the release step's `migrate`. The board must
not list the job the restored database does not have. When the board's version lived in
Redis (up to 415cb86, issue 18), it did, until a `migrate` bumped the version: so the
board is asked before the migrate too.
"""

import random
import subprocess
import threading
from html import escape
from urllib.parse import urlsplit

import redis
import requests

from soak.employer import Browser, Visit
from soak.processes import recreate_database
from soak.walk_upgrade import WalkFailed

APPROVE = """
from django.contrib.auth import get_user_model
from wizard.postings.review import approve
from wizard.postings.statuses import Actor
staff, _ = get_user_model().objects.get_or_create(
    username="walk-staff", defaults={{"is_staff": True, "is_superuser": True}}
)
approve("{posting_id}", by=Actor.staff(staff), reason="The walk's restore drill")
"""


def board_lists(walk, base, title):
    """Whether the board served at base (with the site's Host, as the load balancer sends
    it: the cached pages are the site's) lists title."""
    response = requests.get(base + "/", headers={"Host": urlsplit(walk.base).netloc}, timeout=30)
    if response.status_code != 200:
        raise WalkFailed(f"the board at {base} answered {response.status_code}")
    return escape(title) in response.text


def backup_and_restore(walk):
    """The backup, then a change it lacks: a posting published (as staff would, here with
    manage.py shell) and the board loaded, twice, so Redis has its page."""
    dump = walk.folder / "jobwizard.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", dump, walk.database_url], check=True)
    walk.run_in_app(
        ["bin/python", "manage.py", "shell", "-c", APPROVE.format(posting_id=walk.posting_id)]
    )
    walk.published_title = walk.query(
        "SELECT title FROM wizard_jobposting WHERE id = %s AND status = 'published'",
        walk.posting_id,
    )
    if not walk.published_title:
        raise WalkFailed(f"posting {walk.posting_id} was not published")
    walk.published_title = walk.published_title[0]
    if not all(board_lists(walk, walk.base, walk.published_title) for _ in range(2)):
        raise WalkFailed(f"the board does not list {walk.published_title!r} once published")
    cached = redis.Redis.from_url(walk.cache_url).dbsize()
    if not cached:
        raise WalkFailed(f"nothing in Redis ({walk.cache_url}) after two loads of the board")
    recreate_database(walk.restored_url)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", walk.restored_url, dump],
        check=True,
    )
    return (
        f"pg_dump -Fc ({dump.stat().st_size} bytes); then posting {walk.posting_id} published "
        f"and the board loaded (listed, {cached} keys in Redis); pg_restore into "
        f"{walk.restored_url.rsplit('/', 1)[-1]}"
    )


def serve_restored(walk):
    """A web process of the new release on the restored database, with the same Redis."""
    web = walk.start_process("web", walk.new, "web-restored", walk.restored_url)
    walk.wait_for(f"/health/ at {web.url}", lambda: walk.health(web.url))
    for when in ("before", "after"):
        if when == "after":
            walk.migrate(walk.restored_url)
        if board_lists(walk, web.url, walk.published_title):
            raise WalkFailed(
                f"{when} the migrate, the board served from the restored database lists "
                f"{walk.published_title!r}, published after the backup: a page cached before "
                "the restore"
            )
    tab = Browser(
        [web.url], walk.browser.outcome, random.Random(2), threading.Event(), tab_of=walk.browser
    )
    if Visit(tab, walk.fakestripe).watch_confirmation(until_in_review=True, polls=3) is None:
        raise WalkFailed("the restored database does not show the employer their posting in review")
    return (
        f"web on {web.url}: /health/ passes; before and after `migrate` the board does not "
        f"list {walk.published_title!r} (published after the backup); the employer's "
        f"session shows posting {walk.posting_id} in review"
    )
