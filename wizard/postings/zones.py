"""The time zone a posting's employer most likely reads times in, from its country.

No library maps a country to one zone (the app has neither babel nor pytz), so this
reads the IANA database's own `zone.tab`, whose first zone for a country is usually its
main one; for the few large countries where it is not, `MAIN_ZONES` names it. Without a
zone.tab (a system with no tz database) every country reads UTC. Pages show these times
until the browser rewrites them in its own zone (static/js/local-time.js).
"""

from functools import cache
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

UTC = ZoneInfo("UTC")

# Countries whose first zone in zone.tab is not where most people live.
MAIN_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "MN": "Asia/Ulaanbaatar",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
}


@cache
def _first_zones():
    """{country code: first zone listed} from the first zone.tab found on TZPATH."""
    for directory in TZPATH:
        path = Path(directory, "zone.tab")
        if path.is_file():
            zones = {}
            for line in path.read_text().splitlines():
                if line and not line.startswith("#"):
                    code, _, name = line.split("\t")[:3]
                    zones.setdefault(code, name)
            return zones
    return {}


def zone_for_country(code):
    """The ZoneInfo for a two-letter country code; UTC when unknown."""
    code = str(code or "").upper()
    name = MAIN_ZONES.get(code) or _first_zones().get(code)
    try:
        return ZoneInfo(name) if name else UTC
    except (ValueError, OSError):
        return UTC


def posting_zone(posting):
    """The office's country, or for a remote job the first country applicants may live in."""
    country = posting.country or next(iter(posting.applicant_countries or []), "")
    return zone_for_country(getattr(country, "code", country))
