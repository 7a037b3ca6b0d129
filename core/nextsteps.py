"""What's next? Each app registers providers of next-step cards per portal.

Portal homes order the cards: the first is the primary call to action. A new
journey step adds a provider in its app's `AppConfig.ready`, not an import.

Below the cards a home lists what is going on (the specialist's agenda,
requests waiting, unread conversations): each app registers a provider of
`HomeSection`s, blocks it renders with its own template.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .portals import Portal


@dataclass(frozen=True)
class NextStep:
    title: str
    body: str
    url: str
    cta: str
    # Lower comes first: 10 = blocking, 50 = journey, 90 = nice to have.
    priority: int = 50


@dataclass(frozen=True)
class HomeSection:
    """A block of a portal home, drawn by `template` (its app's) with
    `context`. Providers yield one only when it has something to show."""

    template: str
    context: dict
    # Lower comes first on the page.
    order: int = 50


Provider = Callable[..., Iterable[NextStep]]
SectionProvider = Callable[..., Iterable[HomeSection]]
_providers: dict[Portal, list[Provider]] = defaultdict(list)
_section_providers: dict[Portal, list[SectionProvider]] = defaultdict(list)


def register(portal: Portal, provider: Provider) -> None:
    if provider not in _providers[portal]:
        _providers[portal].append(provider)


def register_section(portal: Portal, provider: SectionProvider) -> None:
    if provider not in _section_providers[portal]:
        _section_providers[portal].append(provider)


# Steps at or above this priority are suggestions, never the primary card.
SUGGESTION = 90


def next_steps(portal: Portal, *, user, **context) -> list[NextStep]:
    steps = [step for provider in _providers[portal] for step in provider(user=user, **context)]
    return sorted(steps, key=lambda step: step.priority)


def home_cards(portal: Portal, *, user, **context) -> dict:
    """The primary "what's next" card and the secondary ones, for a portal home."""
    steps = next_steps(portal, user=user, **context)
    if steps and steps[0].priority < SUGGESTION:
        return {"primary_step": steps[0], "other_steps": steps[1:]}
    return {"primary_step": None, "other_steps": steps}


def home_sections(portal: Portal, *, user, **context) -> list[HomeSection]:
    """The blocks of a portal home, in order; empty when nothing is going on."""
    sections = [section for provider in _section_providers[portal] for section in provider(user=user, **context)]
    return sorted(sections, key=lambda section: section.order)
