"""Place names people type that are not IANA city names, mapped to their zone.

Every IANA city ("Berlin", "Kolkata", "New York") is already understood by
:mod:`bot.core.time_zone`; this table adds only big cities IANA does not name
and countries whose mainland lies in a single zone. A name is listed only when it is
unambiguous: no "Portland" (Oregon or Maine), no "Washington" (the state or the
capital), no multi-zone countries such as the US, Brazil, Australia or Spain.
Keys are lowercase with single spaces.
"""

from __future__ import annotations

from types import MappingProxyType

_KOLKATA = "Asia/Kolkata"
_NEW_YORK = "America/New_York"
_CHICAGO = "America/Chicago"
_LOS_ANGELES = "America/Los_Angeles"

ZONE_ALIASES: MappingProxyType[str, str] = MappingProxyType(
    {
        # North America
        "nyc": _NEW_YORK,
        "la": _LOS_ANGELES,
        "sf": _LOS_ANGELES,
        "san francisco": _LOS_ANGELES,
        "seattle": _LOS_ANGELES,
        "san diego": _LOS_ANGELES,
        "las vegas": _LOS_ANGELES,
        "boston": _NEW_YORK,
        "miami": _NEW_YORK,
        "atlanta": _NEW_YORK,
        "philadelphia": _NEW_YORK,
        "washington dc": _NEW_YORK,
        "dallas": _CHICAGO,
        "houston": _CHICAGO,
        "austin": _CHICAGO,
        "ottawa": "America/Toronto",
        # Latin America
        "rio de janeiro": "America/Sao_Paulo",
        "brasilia": "America/Sao_Paulo",
        "medellin": "America/Bogota",
        # Europe
        "munich": "Europe/Berlin",
        "frankfurt": "Europe/Berlin",
        "hamburg": "Europe/Berlin",
        "cologne": "Europe/Berlin",
        "barcelona": "Europe/Madrid",
        "milan": "Europe/Rome",
        "geneva": "Europe/Zurich",
        "manchester": "Europe/London",
        "edinburgh": "Europe/London",
        "kiev": "Europe/Kyiv",
        "krakow": "Europe/Warsaw",
        "rotterdam": "Europe/Amsterdam",
        "st petersburg": "Europe/Moscow",
        "saint petersburg": "Europe/Moscow",
        # Asia
        "mumbai": _KOLKATA,
        "bombay": _KOLKATA,
        "delhi": _KOLKATA,
        "new delhi": _KOLKATA,
        "bangalore": _KOLKATA,
        "bengaluru": _KOLKATA,
        "chennai": _KOLKATA,
        "hyderabad": _KOLKATA,
        "pune": _KOLKATA,
        "beijing": "Asia/Shanghai",
        "shenzhen": "Asia/Shanghai",
        "guangzhou": "Asia/Shanghai",
        "osaka": "Asia/Tokyo",
        "kyoto": "Asia/Tokyo",
        "busan": "Asia/Seoul",
        "abu dhabi": "Asia/Dubai",
        "tel aviv": "Asia/Jerusalem",
        "hanoi": "Asia/Ho_Chi_Minh",
        # Africa and Oceania
        "cape town": "Africa/Johannesburg",
        "wellington": "Pacific/Auckland",
        # Countries whose mainland lies in one zone
        "india": _KOLKATA,
        "japan": "Asia/Tokyo",
        "china": "Asia/Shanghai",
        "south korea": "Asia/Seoul",
        "korea": "Asia/Seoul",
        "vietnam": "Asia/Ho_Chi_Minh",
        "thailand": "Asia/Bangkok",
        "philippines": "Asia/Manila",
        "pakistan": "Asia/Karachi",
        "bangladesh": "Asia/Dhaka",
        "israel": "Asia/Jerusalem",
        "turkey": "Europe/Istanbul",
        "egypt": "Africa/Cairo",
        "nigeria": "Africa/Lagos",
        "kenya": "Africa/Nairobi",
        "south africa": "Africa/Johannesburg",
        "uk": "Europe/London",
        "united kingdom": "Europe/London",
        "england": "Europe/London",
        "ireland": "Europe/Dublin",
        "germany": "Europe/Berlin",
        "france": "Europe/Paris",
        "italy": "Europe/Rome",
        "netherlands": "Europe/Amsterdam",
        "belgium": "Europe/Brussels",
        "switzerland": "Europe/Zurich",
        "austria": "Europe/Vienna",
        "poland": "Europe/Warsaw",
        "czechia": "Europe/Prague",
        "sweden": "Europe/Stockholm",
        "norway": "Europe/Oslo",
        "finland": "Europe/Helsinki",
        "denmark": "Europe/Copenhagen",
        "greece": "Europe/Athens",
    }
)

# Abbreviations people type for a zone, each mapped to the place it is used for most, with
# that place's summer time: "EST" in July is New York's EDT, as the learner meant. The
# confirmation names the zone, so a learner who meant another (IST in Dublin) sees it.
ZONE_ABBREVIATIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        **dict.fromkeys(("est", "edt", "et"), _NEW_YORK),
        **dict.fromkeys(("cst", "cdt", "ct"), _CHICAGO),
        **dict.fromkeys(("mst", "mdt", "mt"), "America/Denver"),
        **dict.fromkeys(("pst", "pdt", "pt"), _LOS_ANGELES),
        **dict.fromkeys(("akst", "akdt"), "America/Anchorage"),
        "hst": "Pacific/Honolulu",
        "bst": "Europe/London",
        **dict.fromkeys(("cet", "cest"), "Europe/Berlin"),
        **dict.fromkeys(("eet", "eest"), "Europe/Athens"),
        **dict.fromkeys(("wet", "west"), "Europe/Lisbon"),
        "msk": "Europe/Moscow",
        "ist": _KOLKATA,
        "pkt": "Asia/Karachi",
        "wib": "Asia/Jakarta",
        "sgt": "Asia/Singapore",
        "hkt": "Asia/Hong_Kong",
        "jst": "Asia/Tokyo",
        "kst": "Asia/Seoul",
        "awst": "Australia/Perth",
        **dict.fromkeys(("aest", "aedt"), "Australia/Sydney"),
        **dict.fromkeys(("nzst", "nzdt"), "Pacific/Auckland"),
    }
)
