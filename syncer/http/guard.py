"""The transport of every client that carries a secret: it resolves the host itself, checks
every address the name resolves to (syncer.addresses), and connects to the address it
checked, so neither another spelling of an address nor a DNS answer that changes between the
check and the connection reaches a private network or a cloud metadata service. TLS still
verifies the certificate against the host name of the URL.

Redirects are never followed (httpx's default, pinned by `build_client` and by a test): a
redirect could only lead a secret to a host nobody checked. Proxies named by HTTP(S)_PROXY are
not used either: through a proxy, the address connected to could not be checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from syncer.addresses import Address, address_refusal, literal_address
from syncer.errors import ConfigError

Resolver = Callable[..., list[tuple[Any, ...]]]


class AddressRefused(ConfigError):
    """A host resolved to an address no secret may be sent to; the configuration must change."""


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's synchronous network backend, connecting only to addresses it has checked."""

    def __init__(
        self,
        *,
        allow_private_network: bool,
        resolve: Resolver = socket.getaddrinfo,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private_network
        self._resolve = resolve
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in self.checked_addresses(host, port):
            try:
                return self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the name's next address, as the stock backend does
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise AddressRefused(f"refusing to send a secret over the Unix socket {path!r}")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)

    def checked_addresses(self, host: str, port: int) -> list[Address]:
        """Every address `host` resolves to, each allowed; AddressRefused if any is not."""
        try:
            literal = literal_address(host)
        except ValueError as exc:
            raise AddressRefused(str(exc)) from None
        addresses = [literal] if literal is not None else self._lookup(host, port)
        for address in addresses:
            refusal = address_refusal(host, address, allow_private=self._allow_private)
            if refusal:
                raise AddressRefused(refusal)
        return addresses

    def _lookup(self, host: str, port: int) -> list[Address]:
        try:
            answers = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from None
        found: list[Address] = []
        for _family, _type, _proto, _name, sockaddr in answers:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in found:
                found.append(address)
        if not found:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: no address")
        return found


class GuardedTransport(httpx.HTTPTransport):
    """httpx's stock transport (its defaults: 100 connections, 20 kept alive for 5 s) on a
    `GuardedBackend`. HTTPTransport takes no network backend, so its pool is built here."""

    def __init__(
        self, *, allow_private_network: bool, resolve: Resolver = socket.getaddrinfo
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(
                allow_private_network=allow_private_network, resolve=resolve
            ),
        )
