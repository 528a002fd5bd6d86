"""IndexNow: tell the participating search engines (Bing, Yandex, ...) which URLs changed.

The key in ``settings.INDEXNOW_KEY`` must also be served by the site at /<key>.txt; the
submission names no keyLocation, so the engines look for it there.
"""

from urllib.parse import urlsplit

from django.conf import settings

from . import _http

LABEL = "IndexNow"
MAX_URLS_PER_REQUEST = 10_000


def submit(urls) -> None:
    """Submit urls (grouped by host, at most 10,000 per request). Raises
    ProviderUnavailable (network, 5xx, 429) or ProviderRefused (bad key, URLs not on
    the host, malformed request); a retry resubmits everything, which is harmless."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(urlsplit(url).netloc, []).append(url)
    for host, host_urls in by_host.items():
        for start in range(0, len(host_urls), MAX_URLS_PER_REQUEST):
            payload = {
                "host": host,
                "key": settings.INDEXNOW_KEY,
                "urlList": host_urls[start : start + MAX_URLS_PER_REQUEST],
            }
            response = _http.send(
                "POST",
                settings.INDEXNOW_ENDPOINT,
                LABEL,
                json=payload,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            _http.raise_for_status(response, LABEL)
