"""The two ways a third-party call fails: worth retrying, or not."""


class ProviderError(Exception):
    """A third-party call failed; ``detail`` says how (for staff and logs), ``status`` is
    the provider's HTTP status when it answered, ``headers`` its answer's headers (the job
    runner honours a 429's Retry-After from them)."""

    def __init__(self, detail: str, status: int | None = None, headers=None):
        super().__init__(detail if status is None else f"{detail} (HTTP {status})")
        self.detail = detail
        self.status = status
        self.headers = headers or {}


class ProviderUnavailable(ProviderError):
    """Transient: network error, timeout, the provider's 5xx or 429. Retry later."""


class ProviderRefused(ProviderError):
    """Permanent: the provider's 4xx other than 429 (a bad key, an invalid URL, ...).
    Retrying the same request will not help."""
