"""Parsing the directory's query string.

The directory's filters live in the URL so a filtered list can be shared.
Anyone can type a URL, so nothing in it may break the page: unknown values
are dropped and reported as notices, never as errors.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.models import Tag
from core.money import Money, exponent
from core.taxonomy import translated_tags
from specialists.models import SpecialistProfile

from .selectors import AVAILABLE_WITHIN_MAX_DAYS, DirectoryFilters, Sort

# Price steps offered in the form, in major units of the directory currency.
PRICE_STEPS_MAJOR = (30, 50, 75, 100, 150, 200)
PRICE_MAX_MINOR = 10_000_000  # the most an offering may cost (specialists.Offering)
# "Available within" steps offered in the form, in days; the URL takes any
# number from 1 to AVAILABLE_WITHIN_MAX_DAYS.
AVAILABLE_WITHIN_STEPS = (1, 3, 7, 14)
# A long list of garbage values gets a few notices, not a wall of them.
NOTICES_PER_FIELD = 3
NOTICE_VALUE_CHARS = 40
SEARCH_MAX_CHARS = 200


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Accepts any values; the form keeps the known ones and reports the rest."""

    def validate(self, value):
        pass


class LenientChoiceField(forms.ChoiceField):
    """Accepts any value; the form keeps a known one and reports the rest."""

    def validate(self, value):
        pass


def _shown(value: str) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= NOTICE_VALUE_CHARS else value[: NOTICE_VALUE_CHARS - 1] + "…"


class DirectoryFilterForm(forms.Form):
    """The directory's filters. Always usable: `filters` and `notices` are
    read after `is_valid()` whatever it says.

    `tags` is the taxonomy to offer (`selectors.directory_tag_list`);
    `currency` the one the price steps are shown in.
    """

    SORT_CHOICES = [
        (Sort.RELEVANCE, _("Best match")),
        (Sort.PRICE, _("Lowest price")),
        (Sort.AVAILABILITY, _("Soonest available")),
    ]
    GENDER_CHOICES = [
        ("", _("Any")),
        *((value, label) for value, label in SpecialistProfile.Gender.choices if value),
    ]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or keyword"), "autocomplete": "off"}),
    )
    specialization = LenientMultipleChoiceField(
        label=_("Specialization"), required=False, widget=forms.CheckboxSelectMultiple
    )
    language = LenientMultipleChoiceField(label=_("Language"), required=False, widget=forms.CheckboxSelectMultiple)
    modality = LenientMultipleChoiceField(label=_("Session type"), required=False, widget=forms.CheckboxSelectMultiple)
    gender = LenientChoiceField(label=_("Specialist's gender"), required=False, choices=GENDER_CHOICES)
    min_price = forms.CharField(label=_("Lowest price"), required=False, widget=forms.Select)
    max_price = forms.CharField(label=_("Highest price"), required=False, widget=forms.Select)
    available_within_days = forms.CharField(label=_("Available"), required=False, widget=forms.Select)
    sort = LenientChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    # The notice for an unknown value, per field.
    UNKNOWN = {
        "specialization": _("We ignored an unknown specialization “%(value)s”."),
        "language": _("We ignored an unknown language “%(value)s”."),
        "modality": _("We ignored an unknown session type “%(value)s”."),
        "gender": _("We ignored an unknown gender “%(value)s”."),
        "sort": _("We ignored an unknown sort order “%(value)s”; showing the best matches first."),
        "min_price": _("We ignored a lowest price we could not read: “%(value)s”."),
        "max_price": _("We ignored a highest price we could not read: “%(value)s”."),
        "available_within_days": _(
            "We ignored an availability filter we could not read: “%(value)s”. It takes a number of days from 1 to 365."
        ),
    }

    def __init__(self, data=None, *, tags: list[Tag], currency: str = "EUR"):
        super().__init__(data)
        self.notices: list[str] = []
        self.currency = currency
        by_kind: dict[str, list[tuple[str, str]]] = {}
        for tag in tags:
            by_kind.setdefault(tag.kind, []).append((tag.slug, tag.name))
        by_kind = {kind: translated_tags(pairs) for kind, pairs in by_kind.items()}
        self.fields["specialization"].choices = by_kind.get(Tag.Kind.SPECIALIZATION, [])
        self.fields["language"].choices = by_kind.get(Tag.Kind.LANGUAGE, [])
        self.fields["modality"].choices = by_kind.get(Tag.Kind.MODALITY, [])
        for name, anything in (("min_price", _("Any")), ("max_price", _("Any"))):
            self.fields[name].widget.choices = [("", anything), *self._price_choices(name)]
        self.fields["available_within_days"].widget.choices = [("", _("Any time")), *self._within_choices()]

    def _price_choices(self, name: str) -> list[tuple[str, str]]:
        """The price steps, plus a value from the URL that is not one of them
        (e.g. ?max_price=9000), so the form shows what is applied."""
        steps = [major * 10 ** exponent(self.currency) for major in PRICE_STEPS_MAJOR]
        current = _parse_price(self.data.get(name)) if self.is_bound else None
        if current is not None and current not in steps:
            steps = sorted([*steps, current])
        return [(str(minor), Money(minor, self.currency).format()) for minor in steps]

    def _within_choices(self) -> list[tuple[str, str]]:
        """The day steps, plus a number from the URL that is not one of them."""
        steps = list(AVAILABLE_WITHIN_STEPS)
        current = _parse_days(self.data.get("available_within_days")) if self.is_bound else None
        if current is not None and current not in steps:
            steps = sorted([*steps, current])
        return [(str(days), _within_label(days)) for days in steps]

    def _notice(self, name: str, value) -> None:
        self.notices.append(self.UNKNOWN[name] % {"value": _shown(value)})

    def _known(self, name: str) -> list[str]:
        field = self.fields[name]
        known, unknown = [], []
        for value in self.cleaned_data.get(name) or []:
            if field.valid_value(value):
                if value not in known:
                    known.append(value)
            elif value not in unknown:
                unknown.append(value)
        for value in unknown[:NOTICES_PER_FIELD]:
            self._notice(name, value)
        return known

    def clean_q(self):
        return self.cleaned_data["q"][:SEARCH_MAX_CHARS]

    def clean_specialization(self):
        return self._known("specialization")

    def clean_language(self):
        return self._known("language")

    def clean_modality(self):
        return self._known("modality")

    def clean_gender(self):
        value = self.cleaned_data["gender"]
        if value and not self.fields["gender"].valid_value(value):
            self._notice("gender", value)
            return ""
        return value

    def clean_sort(self):
        value = self.cleaned_data["sort"] or Sort.RELEVANCE
        if not self.fields["sort"].valid_value(value):
            self._notice("sort", value)
            return Sort.RELEVANCE
        return value

    def _clean_price(self, name: str) -> int | None:
        raw = self.cleaned_data[name]
        price = _parse_price(raw)
        if raw and price is None:
            self._notice(name, raw)
        return price

    def clean_min_price(self):
        return self._clean_price("min_price")

    def clean_max_price(self):
        return self._clean_price("max_price")

    def clean_available_within_days(self):
        raw = self.cleaned_data["available_within_days"]
        days = _parse_days(raw)
        if raw and days is None:
            self._notice("available_within_days", raw)
        return days

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.notices.append(gettext("The lowest price is above the highest; showing all prices."))
            data["min_price"] = data["max_price"] = None
            # Show the form as applied: both prices back to "Any".
            self.data = self.data.copy()
            self.data["min_price"] = self.data["max_price"] = ""
        return data

    @property
    def filters(self) -> DirectoryFilters:
        """The cleaned filters; a field that failed to clean counts as unset."""
        if not self.is_bound:
            return DirectoryFilters()
        self.is_valid()
        for name in self.errors:
            label = self.fields[name].label if name in self.fields else name
            notice = gettext("We ignored the %(field)s filter: we could not read it.") % {"field": label}
            if notice not in self.notices:
                self.notices.append(notice)
        data = self.cleaned_data
        sort = data.get("sort") or Sort.RELEVANCE
        return DirectoryFilters(
            q=data.get("q") or "",
            specializations=tuple(data.get("specialization") or ()),
            languages=tuple(data.get("language") or ()),
            modalities=tuple(data.get("modality") or ()),
            gender=data.get("gender") or "",
            min_price_minor=data.get("min_price"),
            max_price_minor=data.get("max_price"),
            available_within_days=data.get("available_within_days"),
            sort=sort,
        )


def _parse_price(raw) -> int | None:
    """An integer number of minor units within what an offering may cost, or None."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(PRICE_MAX_MINOR)):
        return None
    value = int(raw)
    return value if value <= PRICE_MAX_MINOR else None


def _parse_days(raw) -> int | None:
    """A whole number of days from 1 to AVAILABLE_WITHIN_MAX_DAYS, or None."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(AVAILABLE_WITHIN_MAX_DAYS)):
        return None
    value = int(raw)
    return value if 1 <= value <= AVAILABLE_WITHIN_MAX_DAYS else None


def _within_label(days: int) -> str:
    if days == 7:
        return gettext("Within a week")
    if days == 14:
        return gettext("Within two weeks")
    return ngettext("Within a day", "Within %(days)d days", days) % {"days": days}


class EnrolmentCodeForm(forms.Form):
    """A program's enrolment code, typed by a patient (discovery.views.patient).

    Only the shape is checked here; whether a program has the code is the
    enrolment service's answer, normalised there (spaces, case).
    """

    code = forms.CharField(
        label=_("Enrolment code"),
        max_length=40,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("For example ACME2026. Spaces and capitals do not matter."),
    )
