"""A patient's record, told by every app: the timeline and its side facts.

The specialist's patient record (care) lists sessions, consents, forms,
payments, the conversation and notes newest first. Most of those belong to
apps beside or above care, so each app registers providers here in its
`AppConfig.ready`, and the record asks them all; a new kind of entry adds a
provider, not an import.

- `register(provider)`: `provider(scope)` yields `Entry`s about
  `scope.patient` as `scope.specialist` may see them (the pair's sessions,
  the forms answered for them, their organization's consents). Providers
  read in a fixed number of queries, however long the history.
- `register_durations(provider)`: `provider(appointments)` returns
  {appointment pk: minutes} of the sessions that were held (video).
- `register_links(provider)`: `provider(scope)` yields `Link`s for the
  record's header ("Message").
- `register_outstanding(provider)`: `provider(specialist, patient_ids)`
  returns {patient id: [Outstanding, ...]} (payments: unpaid sessions), for
  the caseload.
- `register_organization(provider)`: `provider(organization, patient)`
  yields `Entry`s about the patient as their organization may see them
  (payments: charges and refunds with its specialists), for the
  organization's patient page and export. Never clinical content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

# The filter keys of the record's timeline, in the order the filter offers them.
KINDS = {
    "session": _("Sessions"),
    "note": _("Notes"),
    "consent": _("Consents"),
    "form": _("Forms"),
    "payment": _("Payments"),
    "feedback": _("Feedback"),
    "conversation": _("Conversation"),
}


@dataclass(frozen=True)
class Scope:
    """Whose record, seen by whom. `is_current`: the pair's care is active
    (an ended one is shown read-only)."""

    viewer: object
    patient: object
    specialist: object
    is_current: bool = True


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # a key of KINDS
    title: str
    body: str = ""
    url: str = ""
    # Short facts shown as tags beside the title ("Attended", "52 min").
    tags: tuple[str, ...] = ()
    # Drawn with this template (its app's) and context instead of title/body.
    template: str = ""
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    order: int = 50


@dataclass(frozen=True)
class Outstanding:
    """Something a patient still owes or must do, on the caseload."""

    key: str  # "unpaid", ...
    label: str
    count: int = 1
    # Counts as a reason to follow up (sorts the caseload).
    needs_follow_up: bool = False


Provider = Callable[[Scope], Iterable[Entry]]
DurationProvider = Callable[[Iterable], dict]
LinkProvider = Callable[[Scope], Iterable[Link]]
OutstandingProvider = Callable[[object, Iterable[int]], dict]
OrganizationProvider = Callable[[object, object], Iterable[Entry]]

_providers: list[Provider] = []
_duration_providers: list[DurationProvider] = []
_link_providers: list[LinkProvider] = []
_outstanding_providers: list[OutstandingProvider] = []
_organization_providers: list[OrganizationProvider] = []


def _add(registry: list, provider) -> None:
    if provider not in registry:
        registry.append(provider)


def register(provider: Provider) -> None:
    _add(_providers, provider)


def register_durations(provider: DurationProvider) -> None:
    _add(_duration_providers, provider)


def register_links(provider: LinkProvider) -> None:
    _add(_link_providers, provider)


def register_outstanding(provider: OutstandingProvider) -> None:
    _add(_outstanding_providers, provider)


def register_organization(provider: OrganizationProvider) -> None:
    _add(_organization_providers, provider)


def entries(scope: Scope, *, kind: str | None = None) -> list[Entry]:
    """Every provider's entries for `scope`, newest first (only `kind`'s when given)."""
    found = [entry for provider in _providers for entry in provider(scope)]
    if kind:
        found = [entry for entry in found if entry.kind == kind]
    return sorted(found, key=lambda entry: entry.at, reverse=True)


def session_durations(appointments) -> dict[int, int]:
    """Minutes each held session lasted, by appointment pk (none without a provider)."""
    appointments = list(appointments)
    durations: dict[int, int] = {}
    if appointments:
        for provider in _duration_providers:
            durations.update(provider(appointments))
    return durations


def links(scope: Scope) -> list[Link]:
    return sorted((link for provider in _link_providers for link in provider(scope)), key=lambda link: link.order)


def outstanding(specialist, patient_ids) -> dict[int, list[Outstanding]]:
    """What each patient still owes `specialist`, by patient id."""
    patient_ids = list(patient_ids)
    found: dict[int, list[Outstanding]] = {}
    if not patient_ids:
        return found
    for provider in _outstanding_providers:
        for patient_id, items in provider(specialist, patient_ids).items():
            found.setdefault(patient_id, []).extend(items)
    return found


def organization_facts(organization, patient, *, kind: str | None = None) -> list[Entry]:
    """What `organization` may see about `patient` from every provider, newest first."""
    found = [entry for provider in _organization_providers for entry in provider(organization, patient)]
    if kind:
        found = [entry for entry in found if entry.kind == kind]
    return sorted(found, key=lambda entry: entry.at, reverse=True)
