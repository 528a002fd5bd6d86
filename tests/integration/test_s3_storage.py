"""Logos on S3 (moto's server): the logo step's storage invariants hold with S3Storage too."""

import re
import urllib.request
import uuid
from datetime import timedelta
from html import unescape
from io import BytesIO
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from storages.backends.s3 import S3Storage

from tests.conftest import image_bytes, step_url
from tests.factories import own, posting_at
from tests.s3 import (  # noqa: F401
    free_port,
    s3_server_fixture,
    s3_storage_fixture,
    use_s3_default_storage,
)
from wizard.maintenance import sweepers
from wizard.models import JobPosting, Status, TransitionLog

pytestmark = pytest.mark.django_db


def snapshot(posting):
    """Every column of the row, to prove a refused request changed nothing."""
    posting = JobPosting.objects.get(pk=posting.pk)
    return {f.attname: getattr(posting, f.attname) for f in JobPosting._meta.concrete_fields}


def logo_upload(fmt="PNG", name="logo.png", color=(20, 80, 200)):
    return SimpleUploadedFile(
        name, image_bytes(fmt, color=color), content_type=f"image/{fmt.lower()}"
    )


def upload_logo(client, posting, **kwargs):
    return client.post(step_url("logo", posting), {"logo": logo_upload(**kwargs)})


def logo_key_pattern(posting):
    return re.compile(rf"logos/{posting.pk}/[0-9a-f]{{32}}\.png")


def test_the_default_storage_is_s3_on_the_test_bucket(s3_storage):
    assert isinstance(default_storage, S3Storage)
    assert default_storage.bucket_name == s3_storage.name
    assert default_storage.endpoint_url == s3_storage.endpoint_url
    assert s3_storage.keys() == []


def test_an_upload_stores_one_png_object_under_the_postings_prefix(client, s3_storage):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    response = upload_logo(client, posting, fmt="JPEG", name="../../evil.jpg")
    assert response["Location"] == step_url("details", posting)
    posting.refresh_from_db()
    [key] = s3_storage.keys()
    assert logo_key_pattern(posting).fullmatch(key)
    assert posting.logo.name == key
    assert posting.status == "logo_ready"
    with Image.open(BytesIO(s3_storage.body(key))) as image:
        assert image.format == "PNG"
        image.load()
        assert image.size == (64, 48)


def test_a_replaced_logo_leaves_only_the_new_object(
    client, s3_storage, django_capture_on_commit_callbacks
):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    with django_capture_on_commit_callbacks(execute=True):
        upload_logo(client, posting)
    posting.refresh_from_db()
    old = posting.logo.name
    assert s3_storage.keys() == [old]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload_logo(client, posting, color=(200, 30, 30))
    posting.refresh_from_db()
    new = posting.logo.name
    assert new != old
    assert s3_storage.keys() == sorted([old, new]), "the old object went before the commit"
    for callback in callbacks:
        callback()
    assert s3_storage.keys() == [new]
    assert posting.status == "logo_ready"


def test_replacing_with_commit_callbacks_run_leaves_only_the_new_object(
    client, s3_storage, django_capture_on_commit_callbacks
):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    for color in [(1, 2, 3), (4, 5, 6), (7, 8, 9)]:
        with django_capture_on_commit_callbacks(execute=True):
            upload_logo(client, posting, color=color)
    posting.refresh_from_db()
    assert s3_storage.keys() == [posting.logo.name]


def assert_refused_with_503_and_nothing_changed(client, posting):
    before = snapshot(posting)
    logged = TransitionLog.objects.count()
    response = upload_logo(client, posting)
    assert response.status_code == 503
    assert b"could not store your logo" in response.content
    assert snapshot(posting) == before
    assert TransitionLog.objects.count() == logged
    return response


def test_a_missing_bucket_gets_a_503_and_changes_nothing(client, s3_storage, settings):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    # The storage writes to a bucket that does not exist; the test bucket stays
    # there to show nothing landed anywhere.
    use_s3_default_storage(settings, s3_storage.endpoint_url, f"{s3_storage.name}-missing")
    assert_refused_with_503_and_nothing_changed(client, posting)
    assert s3_storage.keys() == []


def test_a_deleted_bucket_gets_a_503_and_changes_nothing(client, s3_storage):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    s3_storage.client.delete_bucket(Bucket=s3_storage.name)
    assert_refused_with_503_and_nothing_changed(client, posting)
    assert not s3_storage.exists()


def test_an_unreachable_endpoint_gets_a_503_and_changes_nothing(
    client, s3_storage, settings, monkeypatch
):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no retry backoff against a closed port
    use_s3_default_storage(settings, f"http://127.0.0.1:{free_port()}", s3_storage.name)
    assert_refused_with_503_and_nothing_changed(client, posting)
    assert s3_storage.keys() == []


def test_a_storage_failure_keeps_the_current_logo(
    client, s3_storage, settings, django_capture_on_commit_callbacks
):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    with django_capture_on_commit_callbacks(execute=True):
        upload_logo(client, posting)
    posting.refresh_from_db()
    current = posting.logo.name
    use_s3_default_storage(settings, s3_storage.endpoint_url, f"{s3_storage.name}-missing")
    with django_capture_on_commit_callbacks(execute=True):
        assert_refused_with_503_and_nothing_changed(client, posting)
    assert s3_storage.keys() == [current]


def test_a_failed_database_write_leaves_no_orphan_object(client, s3_storage):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    before = snapshot(posting)
    stored = []
    real_save = S3Storage._save

    def recording_save(storage, name, content):
        stored.append(real_save(storage, name, content))
        return stored[-1]

    with (
        mock.patch.object(S3Storage, "_save", recording_save),
        mock.patch.object(JobPosting, "save", side_effect=RuntimeError("database gone")),
    ):
        with pytest.raises(RuntimeError):
            upload_logo(client, posting)
    assert len(stored) == 1, "the object should have reached S3 before the DB write"
    assert s3_storage.keys() == []
    assert snapshot(posting) == before
    assert not TransitionLog.objects.exists()


def test_a_failed_database_write_on_replacement_keeps_only_the_current_object(
    client, s3_storage, django_capture_on_commit_callbacks
):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    with django_capture_on_commit_callbacks(execute=True):
        upload_logo(client, posting)
    before = snapshot(posting)
    with mock.patch.object(JobPosting, "save", side_effect=RuntimeError("database gone")):
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError):
                upload_logo(client, posting, color=(9, 9, 9))
    assert snapshot(posting) == before
    assert s3_storage.keys() == [before["logo"]]


def test_the_payment_step_shows_the_logo_from_the_bucket(client, s3_storage):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    upload_logo(client, posting)
    posting.refresh_from_db()
    [key] = s3_storage.keys()
    assert posting.logo.name == key
    assert posting.status == Status.READY_TO_PAY
    response = client.get(step_url("payment", posting))
    assert response.status_code == 200
    match = re.search(r'<img class="logo-thumb" src="([^"]+)"', response.content.decode())
    assert match, "no logo on the payment step"
    url = unescape(match.group(1))
    assert url == f"{s3_storage.endpoint_url}/{s3_storage.name}/{key}"
    assert url == posting.logo.url
    # The page's URL really serves the stored PNG, unsigned (querystring_auth is off),
    # given the bucket policy such a deployment needs.
    s3_storage.allow_public_read("logos/")
    with urllib.request.urlopen(url, timeout=5) as served:
        assert served.read() == s3_storage.body(key)


# --- Sweepers ----------------------------------------------------------------------


def upload_committed(client, posting, capture, **kwargs):
    with capture(execute=True):
        upload_logo(client, posting, **kwargs)
    posting.refresh_from_db()
    return posting.logo.name


def test_the_sweeper_deletes_an_abandoned_drafts_logo_and_keeps_a_live_ones(
    client, s3_storage, settings, django_capture_on_commit_callbacks
):
    settings.ABANDON_DRAFTS_AFTER_DAYS = 14
    abandoned, live = posting_at(Status.DRAFT), posting_at(Status.DRAFT)
    own(client, abandoned, live)
    abandoned_logo = upload_committed(client, abandoned, django_capture_on_commit_callbacks)
    live_logo = upload_committed(client, live, django_capture_on_commit_callbacks)
    JobPosting.objects.filter(pk=abandoned.pk).update(
        updated_at=timezone.now() - timedelta(days=15)
    )
    JobPosting.objects.filter(pk=live.pk).update(updated_at=timezone.now() - timedelta(days=13))
    assert s3_storage.keys() == sorted([abandoned_logo, live_logo])

    with django_capture_on_commit_callbacks(execute=True):
        assert sweepers.sweep_abandoned_drafts() == [abandoned.pk]

    abandoned.refresh_from_db()
    live.refresh_from_db()
    assert (abandoned.status, abandoned.logo.name) == (Status.ABANDONED, "")
    assert (live.status, live.logo.name) == ("logo_ready", live_logo)
    assert s3_storage.keys() == [live_logo]


def put_orphan(s3_storage, key):
    s3_storage.client.put_object(Bucket=s3_storage.name, Key=key, Body=image_bytes())
    return key


def orphan_sweep_at(hours_from_now):
    """Run the orphan sweeper as if `hours_from_now` had passed (S3 sets LastModified)."""
    later = timezone.now() + timedelta(hours=hours_from_now)
    with mock.patch.object(sweepers.timezone, "now", return_value=later):
        return sweepers.sweep_orphan_logos()


def test_the_sweeper_deletes_old_orphan_objects_and_keeps_referenced_ones(
    client, s3_storage, settings, django_capture_on_commit_callbacks
):
    settings.ORPHAN_LOGO_GRACE_HOURS = 24
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    referenced = upload_committed(client, posting, django_capture_on_commit_callbacks)
    orphans = [
        put_orphan(s3_storage, f"logos/{posting.pk}/{'a' * 32}.png"),  # a failed delete
        put_orphan(s3_storage, f"logos/{uuid.uuid4()}/{'b' * 32}.png"),  # a deleted posting
    ]
    elsewhere = put_orphan(s3_storage, "other/not-a-logo.png")

    assert sorted(orphan_sweep_at(hours_from_now=25)) == sorted(orphans)
    assert s3_storage.keys() == sorted([referenced, elsewhere])
    posting.refresh_from_db()
    assert posting.logo.name == referenced


def test_the_sweeper_keeps_orphan_objects_within_the_grace_period(
    client, s3_storage, settings, django_capture_on_commit_callbacks
):
    settings.ORPHAN_LOGO_GRACE_HOURS = 24
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    referenced = upload_committed(client, posting, django_capture_on_commit_callbacks)
    young = put_orphan(s3_storage, f"logos/{uuid.uuid4()}/{'c' * 32}.png")  # upload in flight

    assert orphan_sweep_at(hours_from_now=23) == []
    assert s3_storage.keys() == sorted([referenced, young])
