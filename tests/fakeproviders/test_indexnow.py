import pytest

URL = "https://jobs.example.com/jobs/1/"


def test_first_submission_is_202_then_200(emulator):
    assert emulator.indexnow([URL]).status_code == 202
    assert emulator.indexnow([URL, "https://jobs.example.com/jobs/2/"]).status_code == 200
    [first, second] = emulator.requests("indexnow")
    assert first["json"]["urlList"] == [URL]
    assert (first["status"], second["status"]) == (202, 200)


def test_get_form(emulator):
    params = {"url": URL, "key": "jobwizard-dev-indexnow-key"}
    assert emulator.get("/indexnow", params=params).status_code == 202
    assert emulator.requests("indexnow")[0]["query"] == params
    assert emulator.get("/indexnow", params={**params, "key": "nope"}).status_code == 403
    assert emulator.get("/indexnow", params={"key": params["key"]}).status_code == 400


def test_wrong_key_is_403(emulator):
    response = emulator.indexnow([URL], key="not-the-key")
    assert response.status_code == 403
    emulator.configure(indexnow_key="another-key")
    assert emulator.indexnow([URL], key="another-key").status_code == 202


def test_urls_of_another_host_are_422(emulator):
    response = emulator.indexnow([URL, "https://elsewhere.example.org/x"])
    assert response.status_code == 422


@pytest.mark.parametrize(
    "overrides",
    [{"urlList": []}, {"host": ""}, {"key": None}, {"urlList": ["not a url"]}, {"urlList": "x"}],
)
def test_malformed_requests_are_400(emulator, overrides):
    assert emulator.indexnow([URL], **overrides).status_code == 400


def test_not_json_is_400(emulator):
    response = emulator.post("/indexnow", data=b"host=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400


def test_too_many_requests_is_429(emulator):
    emulator.configure(indexnow_rate_limit=2)
    assert emulator.indexnow().status_code == 202
    assert emulator.indexnow().status_code == 200
    assert emulator.indexnow().status_code == 429
    emulator.advance_clock(61)
    assert emulator.indexnow().status_code == 200
