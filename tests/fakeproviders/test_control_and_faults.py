import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.fakeproviders.conftest import SERVICE
from tests.fakeproviders_process import PROJECT_ROOT, FakeProvidersProcess

TURNSTILE = ("turnstile", "1x0000000000000000000000000000000AA", "XXXX.DUMMY.TOKEN.XXXX")


def test_health_and_unknown_paths(emulator):
    assert emulator.get("/_fakeproviders/health").json() == {"ok": True}
    assert emulator.get("/_fakeproviders/nope").status_code == 404
    assert emulator.get("/v1/charges").status_code == 404
    assert emulator.requests() == []  # unknown paths are not provider requests


def test_injected_500_and_429_use_each_providers_error_shape(emulator):
    emulator.add_fault("500", path="siteverify")
    emulator.add_fault("429", path="Verifications")
    emulator.add_fault("500", path="urlNotifications")
    emulator.add_fault("429", path="indexnow")
    response = emulator.siteverify(*TURNSTILE)
    assert response.status_code == 500
    assert response.json()["error-codes"] == ["internal-error"]
    response = emulator.send_code()
    assert response.status_code == 429
    assert response.json()["code"] == 20429
    response = emulator.publish()
    assert response.status_code == 500
    assert response.json()["error"]["status"] == "INTERNAL"
    assert emulator.indexnow().status_code == 429
    # The faults are used up; the next requests are served, and nothing was done before.
    assert emulator.siteverify(*TURNSTILE).json()["success"] is True
    assert emulator.sms() == []
    faulted = [entry for entry in emulator.requests() if entry["fault"]]
    assert [(e["fault"], e["status"]) for e in faulted] == [
        ("500", 500),
        ("429", 429),
        ("500", 500),
        ("429", 429),
    ]


def test_fault_count_method_and_path(emulator):
    emulator.add_fault("500", count=2, method="POST", path=r"^/hcaptcha/")
    assert emulator.faults() == [
        {"kind": "500", "count": 2, "method": "POST", "path": "^/hcaptcha/", "delay": None}
    ]
    assert emulator.siteverify(*TURNSTILE).status_code == 200  # not matching
    assert emulator.siteverify("hcaptcha", "x", "y").status_code == 500
    assert emulator.siteverify("hcaptcha", "x", "y").status_code == 500
    assert emulator.siteverify("hcaptcha", "x", "y").status_code == 200
    assert emulator.faults() == []


def test_timeout_answers_late_and_does_the_work_after_the_wait(emulator):
    emulator.add_fault("timeout", delay=0.5, path="Verifications")
    started = time.monotonic()
    assert emulator.send_code().status_code == 201
    assert time.monotonic() - started >= 0.5
    assert len(emulator.sms()) == 1


def test_timeout_lets_a_client_give_up_and_reset_abandons_it(emulator):
    emulator.add_fault("timeout", path="Verifications")  # default delay: 30 s
    assert emulator.faults()[0]["delay"] == 30.0
    with pytest.raises(requests.Timeout):
        emulator.post(f"/v2/Services/{SERVICE}/Verifications", data={}, timeout=0.3)
    [entry] = emulator.requests()
    assert (entry["fault"], entry["status"], entry["answered"]) == ("timeout", None, False)
    emulator.reset()
    time.sleep(0.1)
    assert emulator.sms() == [] and emulator.requests() == []


def test_lost_response_does_the_work_and_answers_nothing(emulator):
    emulator.add_fault("lost_response", path="Verifications")
    with pytest.raises(requests.ConnectionError):
        emulator.send_code()
    assert len(emulator.sms()) == 1  # the SMS went out
    [entry] = emulator.requests()
    assert (entry["fault"], entry["status"], entry["answered"]) == ("lost_response", 201, False)


def test_lost_siteverify_answer_still_spends_the_token(emulator):
    emulator.add_fault("lost_response", path="siteverify")
    with pytest.raises(requests.ConnectionError):
        emulator.siteverify(*TURNSTILE)
    assert emulator.siteverify(*TURNSTILE).json()["error-codes"] == ["timeout-or-duplicate"]


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "explode"},
        {"kind": "500", "count": 0},
        {"kind": "500", "path": "("},
        {"kind": "timeout", "delay": -1},
        {"kind": "500", "colour": "red"},
    ],
)
def test_bad_fault_specs_are_400(emulator, spec):
    response = emulator.post("/_fakeproviders/faults", json=spec)
    assert response.status_code == 400
    assert "error" in response.json()


def test_bad_config_is_400(emulator):
    for body in ({"google_daily_quota": "many"}, {"no_such_setting": 1}):
        assert emulator.post("/_fakeproviders/config", json=body).status_code == 400


def test_reset_forgets_state_faults_clock_and_config(emulator):
    emulator.send_code()
    emulator.add_fault("500")
    emulator.configure(google_daily_quota=1)
    emulator.advance_clock(100)
    emulator.reset()
    assert emulator.sms() == [] and emulator.requests() == [] and emulator.faults() == []
    assert emulator.configure()["google_daily_quota"] == 200
    assert emulator.check_code("123456").json()["code"] == 20404


def test_requests_log_is_ordered_and_numbered(emulator):
    emulator.siteverify(*TURNSTILE)
    emulator.send_code()
    emulator.indexnow()
    log = emulator.requests()
    assert [(e["seq"], e["provider"]) for e in log] == [
        (1, "turnstile"),
        (2, "twilio"),
        (3, "indexnow"),
    ]
    assert [e["path"] for e in log] == [
        "/turnstile/v0/siteverify",
        f"/v2/Services/{SERVICE}/Verifications",
        "/indexnow",
    ]


def test_sms_endpoint_filters_by_number(emulator):
    emulator.send_code("+15551230001")
    emulator.send_code("+15551230002")
    assert [m["to"] for m in emulator.sms()] == ["+15551230001", "+15551230002"]
    assert [m["to"] for m in emulator.sms("+15551230002")] == ["+15551230002"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_promptly_on_signal_even_with_a_request_hanging(signum):
    process = FakeProvidersProcess().start()
    try:
        process.add_fault("timeout", delay=30)
        hanging = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import urllib.request as u; u.urlopen('{process.url}/indexnow')",
            ],
            cwd=PROJECT_ROOT,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.2)
        started = time.monotonic()
        process._process.send_signal(signum)
        process._process.wait(timeout=5)
        assert time.monotonic() - started < 2
        assert process._process.returncode == 0
        hanging.kill()
        hanging.wait()
    finally:
        process.stop()


def test_cli_options_set_the_startup_config():
    with FakeProvidersProcess("--google-daily-quota", "7", "--indexnow-key", "k") as process:
        process.reset()
        config = process.configure()
        assert (config["google_daily_quota"], config["indexnow_key"]) == (7, "k")
        assert "fakeproviders listening on" in process.output()
