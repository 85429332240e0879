"""Where a channel goes: one address, several replicas, or a name that resolves to them.

A service address setting (``CONNECTABILITY_DRAWING_ADDRESS`` and its siblings) is one of:

- ``host:port`` — one server, or a DNS name: every address the name resolves to is used;
- ``10.0.0.5:50052,10.0.0.6:50052`` — several replicas by IP address, separated by commas;
- any gRPC target, e.g. ``dns:///drawing.internal:50052``.

Channels balance their calls round-robin over every address they are given (a stream stays
on the replica it started on), so a second replica of a service takes its share of the work
as soon as it is listed, or as soon as the name resolves to it.
"""

from __future__ import annotations

import ipaddress

# gRPC's policy that spreads calls over all resolved addresses (the default, pick_first,
# sends everything to the first that answers).
LOAD_BALANCING_OPTION = ("grpc.lb_policy_name", "round_robin")


class AddressSettingError(ValueError):
    """A list of several addresses names something other than IP addresses."""


def channel_target(address: str) -> str:
    """The gRPC target of an address setting (see the module docstring)."""
    parts = [part.strip() for part in address.split(",") if part.strip()]
    if len(parts) <= 1:
        return address.strip()
    hosts = [_host_of(part) for part in parts]
    if all(host.version == 4 for host in hosts):
        return "ipv4:" + ",".join(parts)
    if all(host.version == 6 for host in hosts):
        return "ipv6:" + ",".join(parts)
    raise AddressSettingError(f"{address!r}: list IPv4 or IPv6 addresses, not both")


def _host_of(part: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    host, _, port = part.rpartition(":")
    try:
        if not port.isdigit():
            raise ValueError(port)
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise AddressSettingError(
            f"{part!r} in a list of addresses: give each replica as IP:port, or give one DNS"
            " name that resolves to all of them"
        ) from None
