"""IndexNow: POST /indexnow {"host", "key", "keyLocation"?, "urlList"} or
GET /indexnow?url=...&key=....

200 when accepted (202 the first time a host submits with a key: "key validation
pending", as the real endpoint answers), 400 a malformed request, 403 a key other than
Config.indexnow_key, 422 a URL that does not belong to the host, 429 more than
Config.indexnow_rate_limit accepted submissions within a minute.
"""

from urllib.parse import urlsplit

from fakekit.messages import Request, Response, json_response

from .common import Clock, Config

PATH = "/indexnow"
MAX_URLS = 10_000
RATE_WINDOW_SECONDS = 60


def _error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"code": code, "message": message})


class IndexNow:
    def __init__(self, clock: Clock, config: Config):
        self.clock = clock
        self.config = config
        self.validated_hosts: set[tuple] = set()  # (host, key) seen before
        self.accepted_at: list[float] = []
        self.submitted: list[dict] = []  # {"host", "urls"} in order

    @staticmethod
    def handles(path: str) -> bool:
        return path == PATH

    def injected_error(self, kind: str) -> Response:
        if kind == "429":
            return _error(429, "TooManyRequests", "Too Many Requests (potential Spam)")
        return _error(500, "InternalError", "Internal server error")

    def handle(self, request: Request) -> Response:
        if request.method == "GET":
            params = request.query_params()
            url = params.get("url", "")
            host = urlsplit(url).netloc if url else ""
            submission = {"host": host, "key": params.get("key"), "urlList": [url] if url else []}
        elif request.method == "POST":
            try:
                submission = request.json()
            except ValueError:
                return _error(400, "InvalidRequestParameters", "The body is not JSON")
        else:
            return _error(405, "MethodNotAllowed", f"Method {request.method} not allowed")
        problem = _malformed(submission)
        if problem:
            return _error(400, "InvalidRequestParameters", problem)
        host, key, urls = submission["host"], submission["key"], submission["urlList"]
        if key != self.config.indexnow_key:
            return _error(403, "UserForbiddedToAccessSite", "Key not valid")
        foreign = [url for url in urls if not _belongs_to(url, host)]
        if foreign:
            return _error(
                422, "UrlNotBelongToHost", f"URLs not belonging to host {host}: {foreign[:5]}"
            )
        now = self.clock.now()
        self.accepted_at = [at for at in self.accepted_at if now - at < RATE_WINDOW_SECONDS]
        if len(self.accepted_at) >= self.config.indexnow_rate_limit:
            return _error(429, "TooManyRequests", "Too Many Requests (potential Spam)")
        self.accepted_at.append(now)
        self.submitted.append({"host": host, "urls": list(urls)})
        first_time = (host, key) not in self.validated_hosts
        self.validated_hosts.add((host, key))
        return Response(202 if first_time else 200, b"", "text/plain")


def _malformed(submission) -> str:
    if not isinstance(submission, dict):
        return "The body must be a JSON object"
    for name in ("host", "key"):
        if not isinstance(submission.get(name), str) or not submission[name].strip():
            return f"{name} is required"
    urls = submission.get("urlList")
    if not isinstance(urls, list) or not urls or len(urls) > MAX_URLS:
        return f"urlList must hold 1 to {MAX_URLS} URLs"
    location = submission.get("keyLocation")
    if location is not None and not isinstance(location, str):
        return "keyLocation must be a URL"
    for url in urls:
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            return f"Not a URL: {url!r}"
    return ""


def _belongs_to(url: str, host: str) -> bool:
    parts = urlsplit(url)
    return host.lower() in (parts.netloc.lower(), (parts.hostname or "").lower())
