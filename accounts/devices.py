"""Name a device the way its owner would: "Chrome on Linux", "Safari on
iPhone", from the User-Agent header alone (a rough guess, for the list of
signed-in devices; never for decisions)."""

import re

from django.utils.translation import gettext as _

# First match wins: Edge, Opera and Samsung Internet also say "Chrome", and
# Chrome also says "Safari".
_BROWSERS = [
    (re.compile(r"\bEdgA?/|\bEdgiOS/"), "Edge"),
    (re.compile(r"\bOPR/|\bOpera\b"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\bFirefox/|\bFxiOS/"), "Firefox"),
    (re.compile(r"\b(?:Headless)?Chrom(?:e|ium)/|\bCriOS/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
]
# iPhones say "like Mac OS X" and Android says "Linux": the specific first.
_SYSTEMS = [
    (re.compile(r"\biPhone\b"), "iPhone"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bMacintosh\b|\bMac OS X\b"), "macOS"),
    (re.compile(r"\bLinux\b|\bX11\b"), "Linux"),
]


def _first(patterns, text: str) -> str:
    return next((name for pattern, name in patterns if pattern.search(text)), "")


def device_name(user_agent: str) -> str:
    """`device_name("Mozilla/5.0 (X11; Linux x86_64) … Chrome/131.0 Safari/537.36")`
    → "Chrome on Linux"."""
    text = user_agent or ""
    browser, system = _first(_BROWSERS, text), _first(_SYSTEMS, text)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser or system:
        return browser or system
    return _("Unknown device")
