"""Shared vocabulary of the access matrix (tests/test_access_matrix.py).

Each app lists its own routes in tests/<app>/access.py as `ROUTES` (and the
objects they point at in `samples(personas, org)`), built from these names.
"""

from dataclasses import dataclass, field

from django.urls import reverse

PERSONAS = (
    "anonymous",
    "patient_a",
    "patient_b",
    "specialist",
    "other_specialist",
    "org_admin",
    "other_org_admin",
    "affiliate",
)
STAFF = ("specialist", "other_specialist", "org_admin", "other_org_admin")


@dataclass(frozen=True)
class Redirect:
    """A redirect to the page named `to`; the Location's path must be that page's."""

    to: str
    kwargs: tuple[tuple[str, str], ...] = ()  # (url kwarg, sample name)
    status: int = 302

    def path(self, samples) -> str:
        return reverse(self.to, kwargs={kwarg: samples[sample] for kwarg, sample in self.kwargs})


@dataclass(frozen=True)
class Route:
    expect: dict  # persona -> status code or Redirect
    kwargs: dict = field(default_factory=dict)  # url kwarg -> sample name
    path: str = ""  # unnamed patterns: a path filled in from the samples
    private: bool = False  # shows health or account data: a 200 must carry Cache-Control: no-store
    bug: str = ""  # a known application bug: walking this route is a strict xfail

    def url(self, name, samples) -> str:
        if self.path:
            return self.path.format_map(samples)
        return reverse(name, kwargs={kwarg: samples[sample] for kwarg, sample in self.kwargs.items()})


def row(default, **cells) -> dict:
    """Every persona gets `default` except those named."""
    assert set(cells) <= set(PERSONAS), set(cells) - set(PERSONAS)
    return {persona: cells.get(persona, default) for persona in PERSONAS}


LOGIN = Redirect("account_login")
HOME = Redirect("core:home")
REAUTHENTICATE = Redirect("account_reauthenticate")
ADMIN_LOGIN = Redirect("admin:login")
ADMIN_INDEX = Redirect("admin:index")

PUBLIC = row(200)
SIGNED_IN = row(200, anonymous=LOGIN)
SIGNED_OUT_ONLY = row(HOME, anonymous=200)  # sign-in and sign-up pages send signed-in people home
ORG_PORTAL = row(403, anonymous=LOGIN, org_admin=200, other_org_admin=404)
NEEDS_REAUTHENTICATION = row(REAUTHENTICATE, anonymous=LOGIN)


def portal_home(*holders) -> dict:
    """A role's portal: 200 for its holders, the friendly 403 page for everyone else signed in."""
    return row(403, anonymous=LOGIN, **dict.fromkeys(holders, 200))


def admin_page(org_admin, other_org_admin=None) -> dict:
    """Django admin: only organization admins (and superusers) get past its door."""
    other_org_admin = org_admin if other_org_admin is None else other_org_admin
    return row(ADMIN_LOGIN, org_admin=org_admin, other_org_admin=other_org_admin)


# Django admin models, as (org_admin, other_org_admin) per route; the sample row belongs to `org`.
PLATFORM_STAFF_ONLY = dict.fromkeys(["changelist", "add", "history", "delete", "change"], (403, 403))
SCOPED_TO_ORGANIZATION = {
    "changelist": (200, 200),  # each sees their own organization's rows
    "add": (403, 403),
    "delete": (403, 403),
    # Another organization's row "does not exist": the admin sends them to its index.
    "history": (200, ADMIN_INDEX),
    "change": (200, ADMIN_INDEX),
}


def admin_model(app_label: str, model: str, sample: str, access: dict) -> dict[str, Route]:
    """The five named routes of one model in Django admin, and its unnamed
    `<object_id>/` shortcut to the change page."""
    prefix = f"admin:{app_label}_{model}"
    routes = {
        f"{prefix}_{action}": Route(
            admin_page(*access[action]),
            {} if action in ("changelist", "add") else {"object_id": sample},
            private=True,
        )
        for action in ("changelist", "add", "history", "delete", "change")
    }
    to_change = Redirect(f"{prefix}_change", (("object_id", sample),))
    routes[f"admin/{app_label}/{model}/<path:object_id>/"] = Route(
        admin_page(to_change), path=f"/admin/{app_label}/{model}/{{{sample}}}/"
    )
    return routes
