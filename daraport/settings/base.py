"""Settings shared by every environment.

All configuration comes from environment variables with safe embedded
defaults: with nothing set, Daraport runs on SQLite, local memory and a
filesystem Celery broker; with DATABASE_URL and REDIS_URL set, the same code
runs on PostgreSQL and Redis. A secret may be given as <NAME>_FILE.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # embedded database, broker queue, outbox
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
env.smart_cast = False


def secret(name: str, default: str | None = None) -> str | None:
    """Read a secret from NAME, or from the file named by NAME_FILE."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


# --- Core -------------------------------------------------------------------
SECRET_KEY = secret("SECRET_KEY", "embedded-development-key-not-for-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daraport.apps.DaraportAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials",
    "guardian",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "core",
    "accounts",
    "organizations",
    "patients",
    "specialists",
    "consents",
    "booking",
    "care",
    "discovery",
    "messaging",
    "video",
    "payments",
    "affiliates",
    "records",
    "privacy",
    "insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Before anything loads the session or the user (see its docstring).
    "core.middleware.RefuseNulMiddleware",
    # The account's language: after the NUL check, which must come before the user is loaded.
    "accounts.middleware.UserLanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "core.middleware.SessionTimeoutMiddleware",
    "core.middleware.TimezoneMiddleware",
    "organizations.middleware.TermsGateMiddleware",
    "core.middleware.InvalidFormStatusMiddleware",
    "core.middleware.ServiceUnavailableMiddleware",
    "core.middleware.PrivateResponseMiddleware",
    "core.middleware.DeniedAccessAuditMiddleware",
]

ROOT_URLCONF = "daraport.urls"
WSGI_APPLICATION = "daraport.wsgi.application"
ASGI_APPLICATION = "daraport.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "core.context_processors.portal_shell",
                "messaging.context_processors.unread",
                "video.context_processors.waiting",
                "consents.context_processors.authoring",
                "organizations.context_processors.brand",
            ],
        },
    }
]

# --- Data -------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A pool: a new connection per request halves throughput here.
        DATABASES["default"]["OPTIONS"].setdefault("pool", True)
        # No JIT: its compile time outweighed the run time of the report
        # queries (650 ms of an 830 ms funnel, bench/insights.py), and the
        # short queries of the pages never need it.
        DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
        DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(VAR_DIR / "daraport.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE serialises writers: the embedded stand-in for row locks.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Where kombu keeps its exchange tables; by default a "control" folder in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL == "filesystem://"
    # max_retries 0: a publish fails at once while Redis is down instead of
    # kombu retrying the connection for seconds inside a request; the
    # outbox (core.outbox) keeps the work and its sweep sends it later.
    else {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "accounts.adapter.user_display"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
# "Send a new code" on the code pages (a couple of times per attempt).
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "organizations.forms.SignupForm"
# allauth's forms with labels in sentence case (accounts/forms.py).
ACCOUNT_FORMS = {
    "add_email": "accounts.forms.AddEmailForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Daraport · "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("HTTP_PROTOCOL", default="http")
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Daraport"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ADAPTER = "organizations.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
if GOOGLE_CLIENT_ID:
    # Installed only when configured: an unconfigured provider's pages crash.
    INSTALLED_APPS.insert(INSTALLED_APPS.index("core"), "allauth.socialaccount.providers.google")
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": GOOGLE_CLIENT_ID, "secret": secret("GOOGLE_CLIENT_SECRET", "")}],
        "SCOPE": ["openid", "email", "profile"],
        "OAUTH_PKCE_ENABLED": True,
    }
USERSESSIONS_TRACK_ACTIVITY = True
# How many reverse proxies stand in front (X-Forwarded-For entries to trust).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Demo staff accounts that may skip the second factor. Only dev settings set it.
DEMO_MFA_EXEMPT_EMAILS: set[str] = set()
DEMO_MODE = False
# Field encryption (intake free text, later clinical notes): keys derive from
# SECRET_KEY (+ SECRET_KEY_FALLBACKS) and these salts; add a new salt first
# in the list to rotate, keep the old ones until data is re-saved.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALTS", default=["daraport-fields-v1"])
DEFAULT_ORGANIZATION_SLUG = env.str("DEFAULT_ORGANIZATION_SLUG", default="daraport-demo-clinic")

# --- Sessions ---------------------------------------------------------------
# Staff (specialists, organization admins) get short sessions: 30 minutes idle,
# 12 hours absolute. Patients keep theirs longer.
SESSION_IDLE_TIMEOUT_STAFF = 30 * 60
SESSION_ABSOLUTE_TIMEOUT_STAFF = 12 * 60 * 60
SESSION_IDLE_TIMEOUT_PATIENT = 24 * 60 * 60
SESSION_ABSOLUTE_TIMEOUT_PATIENT = 14 * 24 * 60 * 60
# How often an open WebSocket looks whether its session was ended elsewhere.
SESSION_CHECK_SECONDS = 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_PATIENT
SESSION_COOKIE_HTTPONLY = True
# The signed first-party cookie a referral link sets (affiliates.attribution).
REFERRAL_COOKIE_NAME = "daraport_ref"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Payments -------------------------------------------------------------------
# Without a secret key the built-in offline test provider takes payments.
STRIPE_SECRET_KEY = secret("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = secret("STRIPE_WEBHOOK_SECRET", "")
# Another address for the Stripe API (a local fake in tests); empty: Stripe's own.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")

# --- Security headers ---------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if STRIPE_PUBLISHABLE_KEY:
    # Exactly what Stripe.js and its Payment Element need (Stripe serves
    # Stripe.js itself: it may not be bundled or copied).
    _directives = CONTENT_SECURITY_POLICY["DIRECTIVES"]
    _directives["script-src"] = [*_directives["script-src"], "https://js.stripe.com"]
    _directives["frame-src"] = ["https://js.stripe.com", "https://hooks.stripe.com"]
    _directives["connect-src"] = [*_directives["connect-src"], "https://api.stripe.com"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- I18N, time ------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# Dates and times read one way everywhere (core/formats/en/formats.py).
FORMAT_MODULE_PATH = ["core.formats"]

# --- Files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Message attachments: outside MEDIA_ROOT, never served by URL (messaging.attachments).
PRIVATE_MEDIA_ROOT = env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOGO_MAX_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "core.mail.ConsoleAndOutboxBackend"
EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Daraport <no-reply@daraport.test>")
MESSAGE_EMAIL_DELAY_MINUTES = env.int("MESSAGE_EMAIL_DELAY_MINUTES", default=15)  # unread message → one email

# --- Video relay (STUN/TURN) ---------------------------------------------------
# What video rooms hand to RTCPeerConnection (video.turn.ice_servers). Nothing
# set: host candidates only, which is enough on one machine or one LAN.
# TURN credentials are minted per person for TURN_TTL_SECONDS from
# TURN_SECRET (or TURN_SECRET_FILE), the secret coturn shares as its
# static-auth-secret; the page never carries a lasting password. coturn checks
# the credential again on every new relay, and an ICE restart makes new ones:
# the lifetime covers the longest room (a session, its early opening and grace,
# and overrun) rather than a bare hour.
VIDEO_STUN_URLS = env.list("VIDEO_STUN_URLS", default=[])  # e.g. stun:turn.example.org:3478
VIDEO_TURN_URLS = env.list("VIDEO_TURN_URLS", default=[])  # e.g. turn:turn.example.org:3478?transport=udp
TURN_SECRET = secret("TURN_SECRET", "")
TURN_TTL_SECONDS = env.int("TURN_TTL_SECONDS", default=6 * 3600)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
