"""Production settings pass Django's deployment checklist, and the
production shape (docker-compose.yml, deploy/Caddyfile) serves what it
should and nothing more."""

import os
import re
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "daraport.settings.prod",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-" + "y" * 30,
    "ALLOWED_HOSTS": "care.example.org",
    "DATABASE_URL": "postgres://daraport@127.0.0.1:5432/daraport",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _manage(*args, env):
    # The browser tests' async escape hatch must not leak into a deploy check.
    base = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_embedded_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_refuses_any_host():
    result = _manage("check", env={**PRODUCTION_ENV, "ALLOWED_HOSTS": "care.example.org,*"})
    assert result.returncode != 0
    assert "Set ALLOWED_HOSTS to your domain names, not '*'." in result.stderr


def test_production_never_exempts_demo_staff_from_the_second_factor():
    code = "from django.conf import settings; print(sorted(settings.DEMO_MFA_EXEMPT_EMAILS), settings.DEMO_MODE)"
    result = _manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1] == "[] False", result.stderr


def test_the_proxy_serves_public_uploads_and_never_message_attachments():
    from messaging.models import Conversation, Message, attachment_upload_to
    from organizations.models import Organization, logo_upload_to
    from specialists.models import SpecialistProfile, photo_upload_to

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    served = re.search(r"@public_media path (.+)", caddyfile).group(1).split()
    assert re.search(r"handle @public_media \{\s*root \* /srv\s*file_server", caddyfile)
    mounts = dict(volume.split(":")[1::-1] for volume in compose["services"]["proxy"]["volumes"])
    assert mounts["/srv/media"] == "media"

    def is_served(name: str) -> bool:
        return any(fnmatch(f"/media/{name}", pattern) for pattern in served)

    assert is_served(photo_upload_to(SpecialistProfile(), "me.png"))
    assert is_served(logo_upload_to(Organization(logo_extension=".png"), "logo.png"))
    # Attachments: another volume, not the proxy's; their names are not public paths either.
    app = compose["x-app"]
    assert "private" not in mounts.values()
    assert "private:" + app["environment"]["PRIVATE_MEDIA_ROOT"] in app["volumes"]
    message = Message(conversation=Conversation(), attachment_type="application/pdf")
    assert not is_served(attachment_upload_to(message, "scan.pdf"))


def test_the_proxy_refuses_bodies_over_the_same_cap_as_the_app():
    from daraport.asgi import BODY_MAX_BYTES

    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    mebibytes = int(re.search(r"request_body \{\s*max_size (\d+)MiB\s*\}", caddyfile).group(1))
    assert mebibytes * 1024 * 1024 == BODY_MAX_BYTES
