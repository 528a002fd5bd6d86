"""Who is asking: the one notion of the client's address (django-ipware under the hood).

Every per-address decision reads `client_address(request)`: django-axes (its
AXES_CLIENT_IP_CALLABLE), the bot check's `remoteip`, every limit (wizard.limits) and the
request's log line. By default no proxy is trusted: the address is the connection's own
(REMOTE_ADDR) and X-Forwarded-For is ignored, since anyone can send it.

Behind proxies, TRUSTED_PROXY_COUNT says how many stand in front of the app, each adding
the address it received the request from to the right of X-Forwarded-For (nginx's
`$proxy_add_x_forwarded_for`). The client is the hop that many places from the right;
what a visitor wrote further left is never read. TRUSTED_PROXIES (networks) narrows it:
X-Forwarded-For is read only from a connection that comes from one of them, so a request
that reached the app without the proxy is known by its own address.
"""

import ipaddress

from django.conf import settings
from ipware.ip import get_client_ip
from python_ipware.modern.parsers import split_proxy_chain

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
_CACHED = "_jobwizard_client_address"


def client_address(request):
    """The client's IP address as a string (None when the request carries none)."""
    if not hasattr(request, _CACHED):
        setattr(request, _CACHED, _resolve(request))
    return getattr(request, _CACHED)


def _resolve(request):
    peer, _ = get_client_ip(request, request_header_order=["REMOTE_ADDR"])
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies or peer is None or not _trusted_peer(peer):
        return peer
    # Hops in X-Forwarded-For, as ipware itself parses them (malformed ones skipped).
    hops = len(split_proxy_chain(request.META.get(FORWARDED_FOR, "")))
    if not hops:
        return peer  # the proxy sent none: the connection is the client's own
    # Each trusted proxy appended one hop; the client is the leftmost of those. Fewer hops
    # than proxies: the request skipped the outer ones, and every hop is still a proxy's.
    address, _ = get_client_ip(
        request,
        proxy_count=min(proxies, hops) - 1,
        request_header_order=[FORWARDED_FOR],
        strict=False,
    )
    return address or peer


def _trusted_peer(peer):
    networks = settings.TRUSTED_PROXIES
    if not networks:
        return True
    address = ipaddress.ip_address(peer)
    return any(address.version == net.version and address in net for net in networks)


def parse_networks(values):
    """TRUSTED_PROXIES from the setting's text: IP addresses or CIDR networks."""
    return [ipaddress.ip_network(value, strict=False) for value in values]
