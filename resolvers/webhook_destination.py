"""Where a webhook may post: https to a public address, never to this machine, the private network or the cloud's
metadata service (SSRF: the server would otherwise post, with its own network position, wherever a URL says).

The rule is checked twice. At creation, on the URL and on every address its host resolves to then, so a mistake is
refused at once (BAD_USER_INPUT). At every delivery, on the addresses resolved for that very delivery, and the
connection then goes to the address checked (pinned: the URL's host is kept for the Host header, TLS's server name
and the certificate's check): a DNS answer changed since creation (rebinding) cannot lead a POST to loopback.

ALVEOLE_WEBHOOKS_ALLOW_HTTP=1 (tests, development) allows loopback, in http or https; never a private network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from auth.errors import BadInput
from resolvers import validation

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

HTTPS_ONLY = "must start with https:// (http:// only to this machine's loopback, with ALVEOLE_WEBHOOKS_ALLOW_HTTP=1)"
NOT_PUBLIC = "must not lead to a loopback, private, link-local or reserved address"
RESOLVE_SECONDS = 10.0


@dataclass(frozen=True)
class Destination:
    url: str  # as given, checked
    host: str  # the URL's host: the Host header, TLS's server name
    address: Address  # the checked address the connection goes to

    @property
    def pinned_url(self) -> httpx.URL:
        """The URL with its host replaced by the checked address (the Host header keeps the name)."""
        return httpx.URL(self.url).copy_with(host=str(self.address))

    @property
    def host_header(self) -> str:
        return httpx.URL(self.url).netloc.decode("ascii")

    @property
    def tls_server_name(self) -> str | None:
        """For https to a name: the name TLS asks for and the certificate must match, not the address."""
        if httpx.URL(self.url).scheme != "https" or _literal(self.host) is not None:
            return None
        return self.host


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _public(address: Address) -> bool:
    # is_global leaves out every special range (private, shared, link-local, loopback, unspecified, reserved,
    # documentation, IPv4-mapped...); multicast addresses can be global, but no endpoint has one.
    return address.is_global and not address.is_multicast


def _allowed(address: Address, allow_loopback: bool) -> bool:
    return _public(address) or (allow_loopback and address.is_loopback)


def check_url(url: str, *, allow_http_loopback: bool) -> str:
    """The rules a URL's text can be checked against (no resolution): the URL, or BadInput naming the rule."""
    url = validation.text("url", url, max_length=validation.URL_MAX)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise BadInput("url", "is not a valid URL") from None
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password or parts.fragment:
        raise BadInput("url", "must be an absolute URL with a host, and no credentials or fragment")
    if parts.scheme not in ("http", "https") or (parts.scheme == "http" and not allow_http_loopback):
        raise BadInput("url", HTTPS_ONLY)
    literal = _literal(host)
    if literal is not None and not _allowed(literal, allow_http_loopback):
        raise BadInput("url", NOT_PUBLIC)
    if parts.scheme == "http" and literal is not None and not literal.is_loopback:
        raise BadInput("url", HTTPS_ONLY)
    return url


async def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` resolves to now (the system's resolver: /etc/hosts, then DNS)."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS)
    # The address without an IPv6 scope (fe80::1%eth0): the scope changes nothing to what the address is.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def destination(url: str, *, allow_http_loopback: bool) -> Destination:
    """The checked destination of `url`, resolved now; BadInput if it may not be posted to."""
    url = check_url(url, allow_http_loopback=allow_http_loopback)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    literal = _literal(host)
    if literal is not None:
        return Destination(url, host, literal)
    try:
        addresses = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, TimeoutError, UnicodeError):  # socket.gaierror is an OSError
        raise BadInput("url", "its host does not resolve") from None
    if not addresses:
        raise BadInput("url", "its host does not resolve")
    # Every address, not only the first: a client may be given any of them, and so could this server be.
    if not all(_allowed(address, allow_http_loopback) for address in addresses):
        raise BadInput("url", NOT_PUBLIC)
    if parts.scheme == "http" and not all(address.is_loopback for address in addresses):
        raise BadInput("url", HTTPS_ONLY)
    return Destination(url, host, addresses[0])
