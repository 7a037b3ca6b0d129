"""Embedded defaults for `make run`: nothing to install, demo logins allowed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
DEMO_MODE = True
# The seeded demo staff may skip the second factor here, and only here.
DEMO_MFA_EXEMPT_EMAILS = {
    "specialist@demo.daraport.test",
    "admin@demo.daraport.test",
}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
