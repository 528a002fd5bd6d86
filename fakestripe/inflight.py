"""409 idempotency_key_in_use: a request whose Idempotency-Key another request (with the
same API key) is still executing is refused at once, as Stripe refuses it. Once the first
has finished, a retry gets its saved answer replayed (fakestripe.server).

The key is taken before anything else happens to the request, fault injection included, so
a request slowed by a "timeout" fault holds its key while it waits, as a slow request at
Stripe does. The 409 is not saved for the key, and says Stripe-Should-Retry: true.
"""

import threading

from fakekit.messages import Request, Response, json_response

from .errors import StripeError

IN_USE_MESSAGE = (
    "There is currently another in-progress request using this Idempotent Key (that "
    "probably means you submitted twice, and the other request is still going through): "
    "{key}. Please try again later."
)


class InFlightKeys:
    def __init__(self, authenticate, headers):
        """authenticate(request) -> API key (raises StripeError); headers() -> the API
        response headers (a fresh Request-Id each)."""
        self._authenticate = authenticate
        self._headers = headers
        self._lock = threading.Lock()
        self._keys: set[tuple[str, str]] = set()

    def run(self, request: Request, handle) -> Response:
        """handle(request), unless its idempotency key is in use: then Stripe's 409."""
        key = self._key(request)
        if key is None:
            return handle(request)
        with self._lock:
            in_use = key in self._keys
            self._keys.add(key)
        if in_use:
            return self._conflict(key[1])
        try:
            return handle(request)
        finally:
            with self._lock:
                self._keys.discard(key)

    def in_use(self) -> int:
        with self._lock:
            return len(self._keys)

    def _key(self, request: Request):
        idempotency_key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not idempotency_key:
            return None
        try:
            return self._authenticate(request), idempotency_key
        except StripeError:
            return None  # answered 401 by the request itself

    def _conflict(self, idempotency_key: str) -> Response:
        error = StripeError(
            409,
            IN_USE_MESSAGE.format(key=idempotency_key),
            type="idempotency_error",
            code="idempotency_key_in_use",
        )
        headers = {
            **self._headers(),
            "Idempotency-Key": idempotency_key,
            "Stripe-Should-Retry": "true",
        }
        return json_response(409, error.to_json(), headers)
