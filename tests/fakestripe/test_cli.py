import hashlib
import hmac

from tests.fakestripe_process import FakeStripeProcess, sign_webhook


def test_starts_prints_one_line_and_exits_cleanly_on_sigterm():
    process = FakeStripeProcess(webhook_url="http://127.0.0.1:9/hook")
    process.start()
    process.stop()

    assert process.returncode == 0
    assert process.output().strip() == (
        f"fakestripe listening on {process.url}, webhooks -> http://127.0.0.1:9/hook; "
        f"events of one operation sent shuffled (seed {process.event_seed})"
    )


def test_sign_webhook_matches_stripe_format():
    header = sign_webhook(b'{"id": "evt_1"}', "whsec_x", timestamp=1700000000)
    expected = hmac.new(b"whsec_x", b'1700000000.{"id": "evt_1"}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
