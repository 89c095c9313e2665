"""Where people sign in from: cities with coordinates, and provider address ranges.

Coordinates are approximate city centres (public geography). Address prefixes are examples of
large provider allocations used only to make addresses look ordinary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    city: str
    state: str
    country: str  # ISO 3166 alpha-2, as Entra ID reports it
    lat: float
    lon: float
    prefixes: tuple[str, ...]  # residential / ISP ranges seen from there


HOME_PLACES: tuple[Place, ...] = (
    Place("Boston", "Massachusetts", "US", 42.3601, -71.0589, ("73.16.0.0/14", "24.60.0.0/16")),
    Place("Cambridge", "Massachusetts", "US", 42.3736, -71.1097, ("73.219.0.0/16",)),
    Place("Providence", "Rhode Island", "US", 41.824, -71.4128, ("98.118.0.0/16",)),
    Place("Worcester", "Massachusetts", "US", 42.2626, -71.8023, ("66.31.0.0/16",)),
    Place("Hartford", "Connecticut", "US", 41.7658, -72.6734, ("67.85.0.0/16",)),
    Place("New York", "New York", "US", 40.7128, -74.006, ("108.29.0.0/16", "72.229.0.0/16")),
    Place("Nashua", "New Hampshire", "US", 42.7654, -71.4676, ("75.68.0.0/16",)),
    Place("Portland", "Maine", "US", 43.6591, -70.2568, ("68.239.0.0/16",)),
)

#: Places a traveller (or a stolen session) shows up from: far from the office.
FAR_PLACES: tuple[Place, ...] = (
    Place("Lagos", "Lagos", "NG", 6.5244, 3.3792, ("102.89.0.0/16", "105.112.0.0/16")),
    Place("Moscow", "Moscow", "RU", 55.7558, 37.6173, ("95.165.0.0/16", "178.176.0.0/16")),
    Place("Ho Chi Minh City", "Ho Chi Minh", "VN", 10.8231, 106.6297, ("113.161.0.0/16",)),
    Place("Sao Paulo", "Sao Paulo", "BR", -23.5505, -46.6333, ("177.92.0.0/16", "189.6.0.0/16")),
    Place("Bucharest", "Bucuresti", "RO", 44.4268, 26.1025, ("86.120.0.0/16", "188.24.0.0/16")),
    Place("Jakarta", "Jakarta", "ID", -6.2088, 106.8456, ("114.124.0.0/16",)),
    Place(
        "Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041, ("185.220.100.0/22", "45.83.64.0/22")
    ),
    Place("Singapore", "Singapore", "SG", 1.3521, 103.8198, ("159.89.192.0/18",)),
)

#: Hosting ranges attackers rent (VPS providers); used for sprays and C2.
HOSTING_PREFIXES: tuple[str, ...] = (
    "45.135.232.0/22",
    "185.156.72.0/22",
    "91.92.240.0/21",
    "194.26.192.0/22",
    "5.181.80.0/22",
    "193.142.146.0/23",
    "103.145.12.0/22",
    "141.98.10.0/23",
)

#: Well-known Azure / Microsoft 365 service addresses that benign traffic reaches.
MICROSOFT_PREFIXES: tuple[str, ...] = (
    "20.190.128.0/18",
    "40.126.0.0/18",
    "52.96.0.0/14",
    "13.107.0.0/16",
    "20.42.0.0/16",
    "52.168.0.0/14",
)
