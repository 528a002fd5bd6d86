"""Command line: python -m fakeproviders [--host H] [--port P] [--indexnow-key K] ..."""

import argparse
import os
import sys
from typing import NoReturn

from fakekit.server import serve_until_stopped

from .common import Config
from .server import FakeProvidersApp, FakeProvidersServer


def parse_args(argv=None) -> argparse.Namespace:
    defaults = Config()
    parser = argparse.ArgumentParser(
        prog="python -m fakeproviders",
        description="Local emulator of bot-check siteverify, Twilio Verify, the Google "
        "Indexing API, IndexNow, VIES and HMRC's VAT number check (development and tests only).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("FAKEPROVIDERS_PORT", 12112))
    )
    parser.add_argument("--indexnow-key", default=defaults.indexnow_key)
    parser.add_argument(
        "--indexnow-rate-limit",
        type=int,
        default=defaults.indexnow_rate_limit,
        help="accepted IndexNow submissions per minute before 429 (default: %(default)s)",
    )
    parser.add_argument(
        "--google-daily-quota",
        type=int,
        default=defaults.google_daily_quota,
        help="accepted publish calls per day before 429 (default: %(default)s)",
    )
    parser.add_argument("--twilio-account-sid", default=defaults.twilio_account_sid)
    parser.add_argument("--twilio-auth-token", default=defaults.twilio_auth_token)
    parser.add_argument(
        "--siteverify-hostname",
        default=defaults.siteverify_hostname,
        help="the hostname a successful siteverify reports (default: %(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv=None) -> NoReturn:
    args = parse_args(argv)
    config = Config(
        siteverify_hostname=args.siteverify_hostname,
        twilio_account_sid=args.twilio_account_sid,
        twilio_auth_token=args.twilio_auth_token,
        google_daily_quota=args.google_daily_quota,
        indexnow_key=args.indexnow_key,
        indexnow_rate_limit=args.indexnow_rate_limit,
    )
    app = FakeProvidersApp(config)
    server = FakeProvidersServer(args.host, args.port, app, verbose=args.verbose)
    host, port = server.server_address[:2]
    banner = (
        f"fakeproviders listening on http://{host}:{port} "
        "(siteverify, Twilio Verify, Google Indexing, IndexNow, VIES, HMRC); SMS codes are "
        "printed here"
    )
    serve_until_stopped(server, banner)


if __name__ == "__main__":
    sys.exit(main())
