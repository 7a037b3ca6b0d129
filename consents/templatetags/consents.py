"""Template helpers of the consents app.

`{{ text|safe_markdown }}` shows a consent document's Markdown as sanitised
HTML (consents.markdown). `{% author_url author "document" id %}` links an
authoring page in whichever portal the author works in.
"""

from django import template
from django.utils.safestring import mark_safe

from .. import markdown

register = template.Library()


@register.filter
def safe_markdown(text) -> str:
    return mark_safe(markdown.render(str(text or "")))  # sanitised by nh3


@register.simple_tag
def author_url(author, name, *args) -> str:
    return author.url(name, *args)
