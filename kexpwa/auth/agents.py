"""A device's family from its User-Agent ("Chrome on Android"): enough for a person to tell
their devices apart, never the full string (which is close to a fingerprint)."""

from __future__ import annotations

# Order matters: Edge and Samsung Internet also say "Chrome", Chrome also says "Safari".
BROWSERS = (
    ("Edg/", "Edge"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def family(user_agent: str) -> str:
    """``"<browser> on <system>"``, "Unknown browser" or "unknown system" when not recognised."""
    ua = user_agent[:512]
    browser = next((name for mark, name in BROWSERS if mark in ua), "Unknown browser")
    system = next((name for mark, name in SYSTEMS if mark in ua), "unknown system")
    return f"{browser} on {system}"
