"""Message text in templates: plain text, links made clickable."""

import re

from django import template
from django.utils.html import urlize
from django.utils.safestring import mark_safe

register = template.Library()

# urlize's own attribute, on text it escaped itself: user text cannot
# contain it (quotes and ">" come out as entities).
_NOFOLLOW = ' rel="nofollow">'
_OPEN_APART = ' rel="nofollow noopener noreferrer" target="_blank">'
_SCHEME = re.compile(r'<a href="(?!https?://)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)


@register.filter(is_safe=True)
def linkify(text):
    """`text` escaped, with its web addresses turned into links that open
    in a new tab. Any HTML in it shows as text."""
    html = urlize(str(text or ""), nofollow=True, autoescape=True)
    # Only http(s) links: anything else urlize found (mailto:) stays text.
    html = _SCHEME.sub(r"\1", html)
    return mark_safe(html.replace(_NOFOLLOW, _OPEN_APART))
