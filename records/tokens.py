"""The secrets of API tokens and the signed links of export downloads.

A token reads `drp_<43 random characters>`; the database keeps its SHA-256
hash and the first characters, never the secret. Looking a token up by the
hash of what the caller sent makes a forged token simply not match.
"""

import hashlib
import secrets

from django.core import signing

TOKEN_PREFIX = "drp_"
# How much of a token is kept in clear to recognise it ("drp_AbCd1234").
SHOWN_LENGTH = len(TOKEN_PREFIX) + 8
DOWNLOAD_SALT = "records.bulk-export-download"


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def download_sign(*, file_public_id, user_public_id) -> str:
    """A link value naming one file for one person; it expires (`download_unsign`)."""
    return signing.TimestampSigner(salt=DOWNLOAD_SALT).sign(f"{file_public_id}.{user_public_id}")


def download_unsign(value: str, *, max_age_seconds: int) -> tuple[str, str] | None:
    """(file public id, user public id) of a valid, unexpired link value, else None."""
    try:
        payload = signing.TimestampSigner(salt=DOWNLOAD_SALT).unsign(value, max_age=max_age_seconds)
    except signing.BadSignature:  # also SignatureExpired
        return None
    file_public_id, _, user_public_id = payload.partition(".")
    return file_public_id, user_public_id
