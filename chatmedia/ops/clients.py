"""The client's address behind reverse proxies (TRUSTED_PROXY_COUNT), for throttling and /metrics.

Each trusted proxy appends the address it saw to X-Forwarded-For, so the client is the entry
TRUSTED_PROXY_COUNT places from the right; anything further left was written by the client and is
not believed. With no proxy (0) it is REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(meta: dict) -> str:
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote  # not through the whole proxy chain: trust only the socket
    return hops[-proxies]


def in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)
