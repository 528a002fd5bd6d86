"""The board's shared cache (wizard.board.cache): pages are served from it with one query
(the board's version), and every change to what the board shows replaces them at once."""

import socket
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.middleware.csrf import get_token
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from tests.conftest import image_bytes
from tests.factories import posting_at
from tests.integration.test_admin import change_form_data
from tests.integration.test_board import HTMX, job_url, publish, titles, with_logo
from tests.integration.test_review import transition_url
from wizard.board import cache as board_cache
from wizard.board.models import BoardVersion
from wizard.models import JobPosting, Status
from wizard.postings.review import expire_due_postings

pytestmark = pytest.mark.django_db

FEED = "/jobs/feed/"


def served_from_cache(client, url, **headers):
    """The response to `url`, asserting that it came from the cache with no query but the
    board's version's."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    assert response["X-Board-Cache"] == "hit", url
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert BoardVersion._meta.db_table in queries[0]["sql"]
    return response


def warm(client, *urls):
    for url in urls:
        client.get(url)
        served_from_cache(client, url)


# --- Every change reaches the board at once ---------------------------------------------


def test_approving_a_posting_shows_it_at_once(client, admin_client):
    publish("Already live")
    warm(client, "/", FEED)
    in_review = posting_at(Status.IN_REVIEW, title="Freshly approved")

    assert admin_client.post(transition_url(in_review, "approve")).status_code == 302

    board = client.get("/")
    assert board["X-Board-Cache"] == "miss"
    assert titles(board) == ["Freshly approved", "Already live"]
    assert b"Freshly approved" in client.get(FEED).content
    assert client.get(job_url(JobPosting.objects.get(pk=in_review.pk))).status_code == 200


@pytest.mark.parametrize("url", ["/", FEED])
def test_a_reload_after_an_approval_gets_the_job_and_before_it_a_304(client, admin_client, url):
    """A browser revalidates on every reload (no max-age): with its old ETag it gets a 304
    while nothing changed, and the new page as soon as staff approve a job."""
    publish("Already live")
    seen = client.get(url)
    assert "no-cache" in seen["Cache-Control"] and "max-age" not in seen["Cache-Control"]
    old_etag = seen["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=old_etag).status_code == 304

    in_review = posting_at(Status.IN_REVIEW, title="Freshly approved")
    assert admin_client.post(transition_url(in_review, "approve")).status_code == 302

    reloaded = client.get(url, HTTP_IF_NONE_MATCH=old_etag)
    assert reloaded.status_code == 200
    assert b"Freshly approved" in reloaded.content
    assert reloaded["ETag"] != old_etag
    assert client.get(url, HTTP_IF_NONE_MATCH=reloaded["ETag"]).status_code == 304


def test_withdrawing_a_posting_removes_it_at_once(client, admin_client):
    staying, leaving = publish("Staying"), publish("Leaving", days_ago=0)
    warm(client, "/", FEED, job_url(leaving), "/?q=leaving", "/?q=leaving&page=1")

    admin_client.post(transition_url(leaving, "withdraw"), {"reason": "Filled"})

    assert titles(client.get("/")) == ["Staying"]
    assert titles(client.get("/?q=leaving")) == []
    assert b"Leaving" not in client.get(FEED).content
    assert client.get(job_url(leaving)).status_code == 404
    assert client.get(job_url(staying)).status_code == 200


def test_expiry_by_the_periodic_job_removes_it_at_once(client):
    expiring = publish("Expiring", days_ago=31)
    publish("Fresh")
    warm(client, "/", FEED, job_url(expiring))

    assert expire_due_postings() == [expiring.pk]

    assert titles(client.get("/")) == ["Fresh"]
    assert b"Expiring" not in client.get(FEED).content
    assert client.get(job_url(expiring)).status_code == 404


def test_a_staff_edit_in_the_admin_shows_at_once(client, admin_client):
    posting = publish("Old title")
    warm(client, "/", FEED, job_url(posting), "/?q=old", "/?q=new")
    url = f"/admin/wizard/jobposting/{posting.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["title"] = "New title"

    assert admin_client.post(url, data).status_code == 302

    assert titles(client.get("/")) == ["New title"]
    assert titles(client.get("/?q=new")) == ["New title"]
    assert titles(client.get("/?q=old")) == []
    assert "New title" in client.get(job_url(posting)).text
    assert b"New title at Acme Corp" in client.get(FEED).content


def test_a_new_logo_shows_at_once(client, admin_client):
    posting = with_logo(publish())
    warm(client, "/", job_url(posting))
    old_url = JobPosting.objects.get(pk=posting.pk).logo.url
    url = f"/admin/wizard/jobposting/{posting.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["logo"] = SimpleUploadedFile("new.png", image_bytes(color=(200, 0, 0)), "image/png")

    assert admin_client.post(url, data).status_code == 302

    new_url = JobPosting.objects.get(pk=posting.pk).logo.url
    assert new_url != old_url
    for page in [client.get("/"), client.get(job_url(posting))]:
        assert new_url in page.text and old_url not in page.text


def test_deleting_a_posting_in_the_admin_removes_it(client, admin_client):
    posting = publish("Deleted")
    warm(client, "/")
    admin_client.post(f"/admin/wizard/jobposting/{posting.pk}/delete/", {"post": "yes"})
    assert not JobPosting.objects.filter(pk=posting.pk).exists()
    assert titles(client.get("/")) == []


def test_bulk_writes_that_bypass_save_change_the_version_too(client):
    posting = publish("Before")
    warm(client, "/")
    JobPosting.objects.filter(pk=posting.pk).update(title="After")
    assert titles(client.get("/")) == ["After"]
    JobPosting.objects.bulk_create(
        [
            JobPosting(
                status=Status.PUBLISHED, title="Bulk", slug="bulk", published_at=timezone.now()
            )
        ]
    )
    assert titles(client.get("/")) == ["Bulk", "After"]


def test_writes_of_postings_never_on_the_board_keep_the_cache(client):
    """Drafts are saved at every step of the wizard: they must not empty the board's cache."""
    publish()
    warm(client, "/")
    version = board_cache.current_version()
    draft = posting_at(Status.DRAFT)
    draft.title = "Still a draft"
    draft.save()
    posting_at(Status.IN_REVIEW)
    assert board_cache.current_version() == version
    served_from_cache(client, "/")


def test_the_version_changes_with_the_transaction_that_changes_the_rows():
    """The bump is part of the transaction: one that is rolled back leaves the version (and
    the pages cached under it) as they were."""
    before = board_cache.current_version()
    with transaction.atomic():
        publish()
        assert board_cache.current_version() > before
    changed = board_cache.current_version()
    assert changed > before

    with pytest.raises(RuntimeError), transaction.atomic():
        publish("Never committed")
        raise RuntimeError("rolled back")
    assert board_cache.current_version() == changed


def test_a_change_also_reaches_the_previous_releases_processes(
    django_capture_on_commit_callbacks,
):
    """During a rolling upgrade the previous release's web processes still read the
    version from the cache: each committed change moves that one on too."""
    cache = caches["default"]
    cache.set(board_cache.PREVIOUS_RELEASE_VERSION_KEY, 1, timeout=None)
    with django_capture_on_commit_callbacks(execute=True):
        publish()
    assert cache.get(board_cache.PREVIOUS_RELEASE_VERSION_KEY) > 1


def test_migrate_changes_the_version():
    from django.apps import apps

    before = board_cache.current_version()
    board_cache.migrated(sender=None, app_config=apps.get_app_config("wizard"))
    assert board_cache.current_version() > before


def test_a_lost_version_starts_again_later_than_before(client):
    publish()
    response = client.get("/")
    BoardVersion.objects.all().delete()
    again = client.get("/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 200 and again["X-Board-Cache"] == "miss"


def test_a_restored_database_is_never_shown_pages_of_changes_it_lacks(client):
    """A database restored from a dump comes back with the version of the dump, while the
    cache still holds the pages of every change made after it: none of those is served."""
    kept = publish("Kept")
    dumped_version = board_cache.current_version()  # pg_dump here
    lost = publish("Lost", days_ago=0)
    warm(client, "/", job_url(lost), FEED)
    assert titles(client.get("/")) == ["Lost", "Kept"]

    # pg_restore: the rows and the version as they were at the dump; the cache untouched.
    # (A restore sends no signal: the row goes without one.)
    JobPosting.objects.filter(pk=lost.pk)._raw_delete(connection.alias)
    BoardVersion.objects.update(version=dumped_version)

    assert titles(client.get("/")) == ["Kept"]
    assert client.get(job_url(lost)).status_code == 404
    assert b"Lost" not in client.get(FEED).content
    assert client.get(job_url(kept)).status_code == 200


# --- What is cached, and for whom ---------------------------------------------------------


def test_htmx_fragment_and_page_are_cached_apart(client):
    publish("Listed")
    page = client.get("/")
    fragment = client.get("/", **HTMX)
    assert "<html" in page.text and "<html" not in fragment.text
    assert served_from_cache(client, "/").content == page.content
    assert served_from_cache(client, "/", **HTMX).content == fragment.content
    assert page["ETag"] != fragment["ETag"]


def test_each_host_gets_its_own_absolute_urls(client):
    posting = publish()
    ours = client.get(job_url(posting))
    other = client.get(job_url(posting), HTTP_HOST="localhost")
    assert f"http://testserver{job_url(posting)}" in ours.text
    assert f"http://localhost{job_url(posting)}" in other.text
    assert other["X-Board-Cache"] == "miss"


def test_unknown_parameters_are_rendered_not_cached(client, django_assert_num_queries):
    """A made-up parameter per request must not fill the cache."""
    publish()
    for _ in range(2):
        with django_assert_num_queries(3):  # the version, the count, the rows
            response = client.get("/?utm_source=newsletter")
        assert response["X-Board-Cache"] == "bypass"


def test_cached_pages_never_carry_anything_of_one_visitor(client):
    """A visitor with a session and a CSRF cookie (from the wizard) gets the same bytes as
    a stranger, and no cookie."""
    publish()
    stranger = client.get("/")
    client.get("/post/")  # a session, a CSRF cookie
    assert client.cookies
    visitor = served_from_cache(client, "/")
    assert visitor.content == stranger.content
    assert not visitor.cookies and "Cookie" not in visitor.get("Vary", "")


def test_a_page_that_uses_a_csrf_token_or_a_nonce_is_never_cached():
    """If a board template started to use the CSRF token (or a CSP nonce), the page would
    hold one visitor's secret: it is rendered for each request instead."""
    from django.http import HttpResponse

    rendered = []

    @board_cache.shared_page("test")
    def view(request):
        rendered.append(1)
        return HttpResponse(f"<input value='{get_token(request)}'>")

    def request():
        req = RequestFactory().get("/")
        req.htmx = HtmxDetails(req)
        return req

    first, second = view(request()), view(request())
    assert first.content != second.content
    assert len(rendered) == 2 and second["X-Board-Cache"] == "miss"


# --- When the cache fails ------------------------------------------------------------------

UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # discard: nothing listens
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_an_unreachable_cache_costs_the_cache_not_the_page(client):
    posting = publish("Still shown")
    with override_settings(CACHES=UNREACHABLE):
        response = client.get("/")
        assert response.status_code == 200 and titles(response) == ["Still shown"]
        # The version is the database's: a revalidation needs no cache.
        assert client.get("/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
        assert client.get(job_url(posting)).status_code == 200
        # A transition still commits: the board's cache is no reason to refuse it.
        posting.title = "Edited"
        posting.save()
    assert JobPosting.objects.get(pk=posting.pk).title == "Edited"


def redis_reachable():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_processes_sharing_redis_see_each_others_changes(client, monkeypatch):
    """Two processes (a web process and a worker expiring postings) each have their own
    connection to Redis: a change made by one replaces the pages the other serves."""
    prefix = f"test-{uuid.uuid4().hex}"
    config = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": prefix,
    }
    worker_cache = RedisCache(config["LOCATION"], {**config})
    posting = publish("Expiring", days_ago=31)
    try:
        with override_settings(CACHES={"default": config}):
            warm(client, "/", job_url(posting))
            # The worker's bump goes through its own client.
            monkeypatch.setattr(board_cache, "_cache", lambda: worker_cache)
            expire_due_postings()
            monkeypatch.undo()
            assert titles(client.get("/")) == []
            assert client.get(job_url(posting)).status_code == 404
    finally:
        keys = worker_cache._cache.get_client().keys(f"{prefix}:*")
        if keys:
            worker_cache._cache.get_client().delete(*keys)
