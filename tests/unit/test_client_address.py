"""The client's address (wizard.web.client): the connection's own unless proxies are
trusted; behind them, the hop the nearest trusted proxy says, never what the visitor wrote."""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from tests.unit.test_settings_env import fresh_settings
from wizard.web.client import client_address

PROXY = "10.0.0.2"  # compose.yaml's nginx, as the app sees the connection
VISITOR = "81.2.69.142"


def request(remote=PROXY, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_by_default_the_connection_is_the_client_and_forwarded_for_is_ignored(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0 and settings.TRUSTED_PROXIES == []
    assert client_address(request(remote=VISITOR, forwarded="1.2.3.4")) == VISITOR
    assert client_address(request(remote=VISITOR)) == VISITOR


def test_behind_one_proxy_the_client_is_the_hop_it_added(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request(forwarded=VISITOR)) == VISITOR
    # Whatever the visitor sent is to the left of what nginx added: never read.
    assert client_address(request(forwarded=f"1.2.3.4, {VISITOR}")) == VISITOR
    assert client_address(request(forwarded=f"127.0.0.1,garbage, {VISITOR}")) == VISITOR
    # A private or loopback client is still that client, not the proxy.
    assert client_address(request(forwarded="192.168.1.20")) == "192.168.1.20"
    assert client_address(request(forwarded="2a01:4f8::1")) == "2a01:4f8::1"


def test_behind_two_proxies_the_client_is_two_hops_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    cdn = "198.41.128.1"
    assert client_address(request(forwarded=f"6.6.6.6, {VISITOR}, {cdn}")) == VISITOR
    # A request that reached the inner proxy directly: its one hop is the client.
    assert client_address(request(forwarded=VISITOR)) == VISITOR


def test_no_usable_forwarded_for_means_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request()) == PROXY
    assert client_address(request(forwarded="not-an-address")) == PROXY


def test_trusted_proxies_read_forwarded_for_only_from_them(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/24")]
    assert client_address(request(forwarded=VISITOR)) == VISITOR
    # Straight to the app, with a made-up header: known by its own address.
    assert client_address(request(remote="81.2.69.160", forwarded="1.2.3.4")) == "81.2.69.160"


def test_the_settings_read_and_check_the_proxies(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert fresh_settings().TRUSTED_PROXY_COUNT == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 172.16.0.0/12,fd00::/8")
    loaded = fresh_settings()
    assert loaded.TRUSTED_PROXY_COUNT == 1  # networks alone: one proxy
    assert [str(n) for n in loaded.TRUSTED_PROXIES] == ["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]
    assert loaded.AXES_CLIENT_IP_CALLABLE == "wizard.web.client.client_address"
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/33")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        fresh_settings()
    monkeypatch.delenv("TRUSTED_PROXIES")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT"):
        fresh_settings()


def test_check_deploy_warns_of_a_proxy_whose_forwarded_for_nobody_reads(settings):
    from wizard.ops.checks import client_address as check

    settings.DEBUG = False
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert [warning.id for warning in check(None)] == ["jobwizard.W040"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert check(None) == []
    settings.TRUSTED_PROXY_COUNT = 0
    settings.SECURE_PROXY_SSL_HEADER = None
    assert check(None) == []
