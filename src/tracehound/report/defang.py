"""Defanging: indicators shown in prose cannot be clicked or resolved by accident.

Conventions as used across CTI reports: ``http`` -> ``hxxp``, the last dot of an address or
domain -> ``[.]``, ``://`` kept; IPv6 colons -> ``[:]`` for the last one. Exact values stay in
the JSON and STIX output.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^(http|https|ftp)(?=://)", re.IGNORECASE)
_SCHEMES = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}


def _last(text: str, sep: str) -> str:
    head, found, tail = text.rpartition(sep)
    return f"{head}[{sep}]{tail}" if found else text


def defang(value: str, kind: str) -> str:
    if kind == "url":
        scheme = _SCHEME.match(value)
        rest = value[scheme.end() :] if scheme else value
        prefix = _SCHEMES[scheme.group(1).lower()] if scheme else ""
        host, slash, path = rest.removeprefix("://").partition("/")
        return f"{prefix}{'://' if scheme else ''}{_last(host, '.')}{slash}{path}"
    if kind == "ipv6-addr":
        return _last(value, ":")
    if kind in ("ipv4-addr", "domain-name"):
        return _last(value, ".")
    return value
