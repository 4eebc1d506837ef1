"""Which hosts syncer may send a secret to: one set of rules, asked when the configuration is
loaded (about the URL as written) and again when a connection is opened (about the address the
name resolved to), so neither another spelling of an address nor a DNS answer slips past.

- Cloud metadata and link-local addresses are always refused (they hand out credentials).
- Loopback, private and other non-global addresses are refused unless the configuration sets
  `allow_private_network` (a local sandbox).
- An IPv4 address must be written as four decimal numbers: `127.1`, `0x7f000001`, `2852039166`
  and `0177.0.0.1` are spellings that resolvers read differently, which is how they get past
  checks; they are refused outright.
- Plain `http://` is refused unless `allow_private_network` or `allow_insecure_http` is set:
  the secret would travel unencrypted.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_NAMES = frozenset({"metadata.google.internal"})
_METADATA_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",  # link-local: AWS, GCP and Azure metadata, ECS task credentials
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "100.100.100.200/32",  # Alibaba Cloud metadata
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# The last label of a host that URL parsers take for an IPv4 address in some spelling.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)


def literal_address(host: str) -> Address | None:
    """The address `host` names literally, None for a DNS name; ValueError for an IPv4
    address in any spelling but four decimal numbers."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_LABEL.fullmatch(bare.rstrip(".").rsplit(".", 1)[-1]):
        raise ValueError(
            f"expected an IPv4 address written as four decimal numbers such as 192.0.2.1, "
            f"got {host!r}"
        )
    return None


def _unwrapped(address: Address) -> Address:
    """An IPv4 address carried inside an IPv6 one (::ffff:a.b.c.d, NAT64) as itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_refusal(host: str, address: Address | None, *, allow_private: bool) -> str | None:
    """Why `host` (resolved to `address`, if known) may not receive a secret; None if it may."""
    shown = repr(host) if address is None or str(address) == host else f"{host!r} ({address})"
    address = _unwrapped(address) if address is not None else None
    if host.lower().rstrip(".") in METADATA_NAMES or (
        address is not None and any(address in net for net in _METADATA_NETWORKS)
    ):
        return f"refusing cloud metadata / link-local address {shown}"
    if allow_private:
        return None
    local_name = host.lower().rstrip(".") == "localhost" or host.lower().endswith(".localhost")
    if local_name or (address is not None and not address.is_global):
        return (
            f"refusing loopback/private address {shown}; set allow_private_network = true "
            "to reach a local sandbox"
        )
    return None


def url_refusal(url: str, *, allow_private: bool, allow_insecure: bool) -> str | None:
    """Why a secret may not be sent to `url` as written; None if it may. The address it
    resolves to is checked again when connecting (see syncer.http.guard)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        refusal = address_refusal(host, literal_address(host), allow_private=allow_private)
    except ValueError as exc:
        return str(exc)
    if refusal is None and parts.scheme == "http" and not (allow_private or allow_insecure):
        return (
            f"refusing plain http:// to {host!r}: the secret would travel unencrypted; "
            "use https:// or set allow_insecure_http = true"
        )
    return refusal
