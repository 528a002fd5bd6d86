import json
from unittest import mock

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from wizard.web.static_storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False
    manifest = {"version": "1.1", "hash": "x", "paths": {"css/site.css": "css/site.0123.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_file_has_its_hashed_url_looked_up_once(storage):
    looked_up = mock.patch.object(
        CompressedManifestStaticFilesStorage,
        "url",
        autospec=True,
        side_effect=CompressedManifestStaticFilesStorage.url,
    )
    with looked_up as lookup:
        urls = [storage.url("css/site.css") for _ in range(3)]
    assert urls == ["/static/css/site.0123.css"] * 3
    assert lookup.call_count == 1


def test_a_file_missing_from_the_manifest_is_refused_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
