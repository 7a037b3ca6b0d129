"""The ICE servers a video room hands to the browser's RTCPeerConnection.

TURN credentials follow the TURN REST convention that coturn checks with
`use-auth-secret` and `static-auth-secret`: the username is
"<expiry unix time>:<user public id>" and the password is
base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC with the
secret it shares with us and refuses a username whose expiry has passed, so
a page never carries a lasting password and a copied one dies within
TURN_TTL_SECONDS. With nothing configured the list is empty: host
candidates only.
"""

import base64
import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.utils import timezone


def turn_password(secret: str, username: str) -> str:
    """The password coturn expects for `username` (SHA-1 is what the convention fixes)."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def ice_servers(user, now: datetime | None = None) -> list[dict]:
    """RTCIceServer dictionaries for `user`, ready for json_script."""
    servers = []
    if settings.VIDEO_STUN_URLS:
        servers.append({"urls": list(settings.VIDEO_STUN_URLS)})
    if settings.VIDEO_TURN_URLS and settings.TURN_SECRET:
        expiry = int((now or timezone.now()).timestamp()) + settings.TURN_TTL_SECONDS
        # The public id, not the email: coturn logs usernames.
        username = f"{expiry}:{user.public_id}"
        servers.append(
            {
                "urls": list(settings.VIDEO_TURN_URLS),
                "username": username,
                "credential": turn_password(settings.TURN_SECRET, username),
            }
        )
    return servers
