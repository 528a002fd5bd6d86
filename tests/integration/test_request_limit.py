"""An oversize body is refused before anything reads it."""

import io

import pytest
from django.test import RequestFactory

from tests.factories import own, posting_at
from wizard.web.request_limit import RefuseOversizeBodies

pytestmark = pytest.mark.django_db


class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readinto = read


def test_a_50_mb_upload_is_refused_unread(settings):
    request = RequestFactory().post("/post/x/logo/", data=b"", content_type="multipart/form-data")
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    response = RefuseOversizeBodies(lambda request: pytest.fail("the view ran"))(request)
    assert response.status_code == 413
    assert b"too large" in response.content and b"2 MB" in response.content


def test_a_normal_upload_goes_through(client):
    from tests.conftest import image_bytes

    posting = posting_at()
    own(client, posting)
    logo = io.BytesIO(image_bytes("PNG"))
    logo.name = "logo.png"
    response = client.post(f"/post/{posting.pk}/logo/", {"logo": logo})
    assert response.status_code == 302


def test_from_an_htmx_form_the_refusal_takes_the_place_of_the_step(settings):
    request = RequestFactory().post(
        "/post/x/logo/", data=b"", content_type="multipart/form-data", HTTP_HX_REQUEST="true"
    )
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    response = RefuseOversizeBodies(lambda request: pytest.fail("the view ran"))(request)
    page = response.content.decode()
    assert response.status_code == 413
    assert page.strip().startswith('<div id="step-panel"') and "<html" not in page
    assert 'href="/post/x/logo/"' in page  # back to the step, to choose another file
