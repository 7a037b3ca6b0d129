"""Production: the base settings plus strict transport security.

Every value still comes from the environment; these only refuse unsafe
defaults. SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL are required.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, SECRET_KEY, TURN_SECRET, VIDEO_TURN_URLS, env

if SECRET_KEY.startswith("embedded-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value.")
if "*" in ALLOWED_HOSTS:
    # Any Host header would be believed: in the links of emails (password
    # resets) and in the origin check of WebSockets.
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to your domain names, not '*'.")
if not DATABASE_URL or not REDIS_URL:
    raise ImproperlyConfigured("Production needs DATABASE_URL and REDIS_URL.")
if VIDEO_TURN_URLS and not TURN_SECRET:
    # Without it rooms would get no TURN credentials and calls between
    # networks that need the relay would fail with no hint why.
    raise ImproperlyConfigured(
        "VIDEO_TURN_URLS is set: set TURN_SECRET (or TURN_SECRET_FILE) to coturn's static-auth-secret."
    )

DEBUG = False
DEMO_MODE = False
DEMO_MFA_EXEMPT_EMAILS: set[str] = set()
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
