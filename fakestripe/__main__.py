"""Command line: python -m fakestripe [--host H] [--port P] [--webhook-url URL] ..."""

import argparse
import os
import random
import sys
from typing import NoReturn

from fakekit.server import serve_until_stopped

from .event_order import DEFAULT_EVENT_ORDER, EVENT_ORDERS, EventOrder
from .server import FakeStripeApp, FakeStripeServer
from .webhooks import DEFAULT_RETRY_DELAYS, WebhookDispatcher

DEFAULT_WEBHOOK_SECRET = "whsec_jobwizard_development_only"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m fakestripe", description="Local Stripe API emulator (test mode only)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAKESTRIPE_PORT", 12111)))
    parser.add_argument(
        "--webhook-url",
        default=os.environ.get("FAKESTRIPE_WEBHOOK_URL") or None,
        help="where to POST events; if unset they are only stored",
    )
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET,
    )
    parser.add_argument(
        "--webhook-retry-delays",
        type=_parse_delays,
        default=DEFAULT_RETRY_DELAYS,
        help="comma-separated seconds between delivery attempts (default: %(default)s)",
    )
    parser.add_argument(
        "--public-url", help="base URL for hosted checkout links (default http://HOST:PORT)"
    )
    parser.add_argument(
        "--event-order",
        choices=EVENT_ORDERS,
        default=os.environ.get("FAKESTRIPE_EVENT_ORDER") or DEFAULT_EVENT_ORDER,
        help="send the events of one operation shuffled, as Stripe may (default), or in "
        "the order they were created (for debugging)",
    )
    parser.add_argument(
        "--event-seed",
        type=int,
        default=_int_or_none(os.environ.get("FAKESTRIPE_EVENT_SEED")),
        help="seed of the shuffle, to repeat a run's orders (default: a random one, printed)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def _int_or_none(text):
    try:
        return int(text) if text else None
    except ValueError:
        raise SystemExit(f"FAKESTRIPE_EVENT_SEED must be an integer, not {text!r}") from None


def _parse_delays(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds like 0.5,1,2, got {text!r}") from None


def main(argv=None) -> NoReturn:
    args = parse_args(argv)
    webhooks = WebhookDispatcher(args.webhook_url, args.webhook_secret, args.webhook_retry_delays)
    seed = args.event_seed if args.event_seed is not None else random.randrange(10**6)
    app = FakeStripeApp(webhooks, event_order=EventOrder(seed, args.event_order))
    server = FakeStripeServer(args.host, args.port, app, verbose=args.verbose)
    host, port = server.server_address[:2]
    app.base_url = (args.public_url or f"http://{host}:{port}").rstrip("/")
    webhooks.start()
    app.start_background_sweep()
    destination = args.webhook_url or "none (events stored, not delivered)"
    banner = (
        f"fakestripe listening on {app.base_url}, webhooks -> {destination}; "
        f"events of one operation sent {args.event_order}"
        + (f" (seed {seed})" if args.event_order == "shuffled" else "")
    )

    def on_exit():
        app.stop_background_sweep()
        webhooks.stop()

    serve_until_stopped(server, banner, on_exit=on_exit)


if __name__ == "__main__":
    sys.exit(main())
