"""The request an emulator's app handles and the response it answers with."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: object  # case-insensitive mapping (email.message.Message)
    body: bytes

    def query_params(self) -> dict:
        return _flat(parse_qs(self.query, keep_blank_values=True))

    def form(self) -> dict:
        """The form-encoded body as {name: first value}; {} when it is not a form."""
        try:
            return _flat(parse_qs(self.body.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            return {}

    def is_json(self) -> bool:
        return "json" in (self.headers.get("Content-Type") or "").lower()

    def json(self):
        """The JSON body; raises ValueError when it is not JSON."""
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    drop_connection: bool = False  # close the socket without answering at all


NO_RESPONSE = Response(0, drop_connection=True)


def json_response(status: int, data, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(data, indent=2).encode(), "application/json", headers or {})


def _flat(values: dict) -> dict:
    return {name: items[0] for name, items in values.items()}
