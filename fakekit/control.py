"""Helpers of the control endpoints (/_<emulator>/...): JSON in, JSON out."""

import json
from collections.abc import Callable

from .messages import Request, Response, json_response

ControlHandler = Callable[[Request], object]


class ControlRequestError(ValueError):
    """A control request the emulator cannot act on (answered 400)."""


def handle_control(
    request: Request,
    routes: dict[tuple[str, str], ControlHandler],
    find_route: Callable[[str, str], ControlHandler | None] | None = None,
) -> Response:
    """Answer a control request. routes maps (method, path without a trailing slash) to a
    handler(request) whose JSON-able result is answered 200; find_route(method, path) may
    supply a handler for a path routes lacks. ControlRequestError answers 400, no handler 404.
    """
    path = request.path.rstrip("/")
    handler = routes.get((request.method, path))
    if handler is None and find_route is not None:
        handler = find_route(request.method, path)
    if handler is None:
        return json_response(404, {"error": f"Unknown control endpoint {request.method} {path}"})
    try:
        return json_response(200, handler(request))
    except ControlRequestError as exc:
        return json_response(400, {"error": str(exc)})


def json_body(request: Request) -> dict:
    """The request's JSON object body ({} when empty)."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ControlRequestError(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ControlRequestError("body must be a JSON object")
    return body
