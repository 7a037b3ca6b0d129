"""Settings for the test suite."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
DEMO_MODE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# pytest-django's live server cannot serve hashed static names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")
PRIVATE_MEDIA_ROOT = str(BASE_DIR / "var" / "test-private")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# Serve static files from the source folders; no collectstatic in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared memory: the browser tests' live server answers in its
    # own threads, and an in-memory database shared across threads refuses a
    # second writer at once ("table is locked") where a file waits its turn.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_PATH", default=str(BASE_DIR / "var" / "test.sqlite3"))}
