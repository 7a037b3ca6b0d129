"""What a patient must sign and fill in, and what is still missing.

One resolution for everyone who asks: the patient's guided flow, the
"is this appointment ready?" answer on both portals' appointment cards
(booking asks with the appointment's facts), the specialist's per-patient
view and the organization's status board.

A consent document applies to a patient when it is in use, has a published
version and its scope covers them: the whole organization (they are its
patient, or booked one of its specialists), a program they are enrolled in,
or a specialist they booked (a `CareContext`). An intake form applies the
same way, and also through the offerings it is attached to. Forms are
answered per specialist (each sees their own patients' answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from core.selectors import get_for_user
from organizations.models import Membership, ProgramEnrolment
from specialists.models import SpecialistProfile

from .models import (
    CareContext,
    ConsentDocument,
    ConsentSettings,
    ConsentSignature,
    ConsentVersion,
    FormResponse,
    FormVersion,
    IntakeForm,
    RequiredBefore,
)

# The moments in journey order: an item due at an earlier moment is due by every later one.
MOMENTS = [RequiredBefore.SIGNUP, RequiredBefore.BOOKING, RequiredBefore.SESSION]


def due_by(moment: str) -> list[str]:
    return MOMENTS[: MOMENTS.index(RequiredBefore(moment)) + 1]


@dataclass
class Item:
    """One thing a patient must do: sign a consent or fill in a form."""

    kind: str  # "consent" or "form"
    title: str
    required_before: str
    # The organization whose document or form it is.
    organization_id: int
    # The published version to sign or answer.
    version: ConsentVersion | FormVersion
    # Forms: the specialist the answers are for (None for consents).
    specialist: SpecialistProfile | None = None
    done: bool = False
    # Consents: a standing signature of an earlier version that no longer counts.
    resign: bool = False
    # Forms: the draft or submitted response, if any.
    response: FormResponse | None = None
    signature: ConsentSignature | None = None

    @property
    def key(self) -> str:
        """Stable id of the item for a patient: its kind, version and specialist."""
        suffix = f"-{self.specialist.pk}" if self.specialist else ""
        return f"{self.kind}-{self.version.pk}{suffix}"


@dataclass
class Requirements:
    items: list[Item] = field(default_factory=list)

    @property
    def pending(self) -> list[Item]:
        return [item for item in self.items if not item.done]

    def relevant_to(self, specialist: SpecialistProfile) -> list[Item]:
        """The items one specialist's sessions depend on: their
        organization's consents and the forms answered for them (another
        clinic's documents neither block them nor show to its staff)."""
        return [
            item
            for item in self.items
            if item.organization_id == specialist.organization_id
            and (item.specialist is None or item.specialist == specialist)
        ]

    def blocking(self, moment: str, specialist: SpecialistProfile | None = None) -> list[Item]:
        """What is missing before `moment` (with a specialist: for their sessions)."""
        moments = due_by(moment)
        items = self.items if specialist is None else self.relevant_to(specialist)
        return [item for item in items if not item.done and item.required_before in moments]


def _latest_published(queryset, model):
    return queryset.prefetch_related(
        Prefetch(
            "versions",
            queryset=model.objects.filter(published_at__isnull=False).order_by("-number"),
            to_attr="published",
        )
    )


def requirements_for(patient, *, specialist: SpecialistProfile | None = None, offering=None) -> Requirements:
    """Every consent and form that applies to `patient`, with its status.

    `specialist`/`offering` add the requirements of a booking about to be
    made (they apply before a `CareContext` exists). A fixed number of
    queries whatever the patient has (see `requirements_for_many`).
    """
    return requirements_for_many([(patient, specialist, offering)])[0]


def _form_specialists(form: IntakeForm, specialists: dict, pairs: set) -> list[SpecialistProfile]:
    """The specialists whose patient answers `form`: the one it belongs to,
    those with whom an attached offering was booked, or (organization and
    program forms) every specialist of that organization the patient booked."""
    if form.specialist_id is not None:
        return [specialists[form.specialist_id]] if form.specialist_id in specialists else []
    attached = {offering.pk for offering in form.offerings.all()}
    if attached:
        return [specialists[sid] for sid, oid in sorted(pairs) if oid in attached and sid in specialists]
    return [profile for profile in specialists.values() if profile.organization_id == form.organization_id]


# --- The resolution, for one ask or many (lists, the status board, the sweep) --------


def _patient_facts(patient_ids: set[int]):
    """The care contexts, patient memberships and program enrolments of
    many patients: three queries."""
    contexts: dict[int, list[CareContext]] = {pid: [] for pid in patient_ids}
    for context in CareContext.objects.filter(patient_id__in=patient_ids).select_related("specialist"):
        contexts[context.patient_id].append(context)
    memberships: dict[int, set[int]] = {pid: set() for pid in patient_ids}
    for user_id, organization_id in Membership.objects.filter(
        user_id__in=patient_ids, role=Membership.Role.PATIENT
    ).values_list("user_id", "organization_id"):
        memberships[user_id].add(organization_id)
    programs: dict[int, set[int]] = {pid: set() for pid in patient_ids}
    for patient_id, program_id in ProgramEnrolment.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "program_id"
    ):
        programs[patient_id].add(program_id)
    return contexts, memberships, programs


@dataclass
class _Scope:
    """One ask's facts, as `requirements_for` derives them."""

    patient_id: int
    pairs: set
    specialists: dict
    organization_ids: set
    program_ids: set

    def covers(self, scoped) -> bool:
        return (
            (
                scoped.organization_id in self.organization_ids
                and scoped.program_id is None
                and scoped.specialist_id is None
            )
            or scoped.program_id in self.program_ids
            or scoped.specialist_id in self.specialists
        )


def _scope(patient_id, specialist, offering, *, facts) -> _Scope:
    contexts, memberships, programs = facts
    pairs = {(context.specialist_id, context.offering_id) for context in contexts[patient_id]}
    specialists = {context.specialist_id: context.specialist for context in contexts[patient_id]}
    if specialist is not None:
        specialists[specialist.pk] = specialist
        if offering is not None:
            pairs.add((specialist.pk, offering.pk))
    organization_ids = memberships[patient_id] | {profile.organization_id for profile in specialists.values()}
    return _Scope(patient_id, pairs, specialists, organization_ids, programs[patient_id])


def _consent_items(scope: _Scope, documents, standing: dict) -> list[Item]:
    signed_documents = {signature.version.document_id: signature for signature in standing.values()}
    items = []
    for document in documents:
        if not scope.covers(document):
            continue
        latest = document.published[0]
        signature = standing.get(latest.pk) or (
            None if document.reconsent_on_new_version else signed_documents.get(document.pk)
        )
        items.append(
            Item(
                kind="consent",
                title=document.title,
                required_before=document.required_before,
                organization_id=document.organization_id,
                version=latest,
                done=signature is not None,
                resign=signature is None and document.pk in signed_documents,
                signature=signature,
            )
        )
    return items


def _form_items(scope: _Scope, forms, responses: dict) -> list[Item]:
    booked_offerings = {oid for _, oid in scope.pairs}
    items = []
    for form in forms:
        if not (scope.covers(form) or {offering.pk for offering in form.offerings.all()} & booked_offerings):
            continue
        for profile in _form_specialists(form, scope.specialists, scope.pairs):
            response = responses.get((form.pk, profile.pk))
            items.append(
                Item(
                    kind="form",
                    title=form.title,
                    required_before=form.required_before,
                    organization_id=form.organization_id,
                    version=form.published[0],
                    specialist=profile,
                    done=response is not None and response.status == FormResponse.Status.SUBMITTED,
                    response=response,
                )
            )
    return items


def requirements_for_many(asks) -> list[Requirements]:
    """`requirements_for` for many asks at once, in a fixed number of queries.

    `asks` is a sequence of `(patient, specialist, offering)` triples (the
    patient or its pk; the last two may be None), one per appointment of a
    list; the answer is one `Requirements` per ask, in order, equal to what
    `requirements_for(patient, specialist=..., offering=...)` answers for it.
    Every row is read once for all asks (ten queries at most, none without
    asks; a prefetch is skipped when its parent query finds nothing); the
    scopes are then matched in Python.
    """
    asks = [(getattr(patient, "pk", patient), specialist, offering) for patient, specialist, offering in asks]
    patient_ids = {pid for pid, _, _ in asks}
    if not patient_ids:
        return []
    facts = _patient_facts(patient_ids)
    scopes = [_scope(pid, specialist, offering, facts=facts) for pid, specialist, offering in asks]

    in_scope = (
        Q(
            organization_id__in=set().union(*(scope.organization_ids for scope in scopes)),
            program__isnull=True,
            specialist__isnull=True,
        )
        | Q(program_id__in=set().union(*(scope.program_ids for scope in scopes)))
        | Q(specialist_id__in=set().union(*(set(scope.specialists) for scope in scopes)))
    )
    all_offerings = {oid for scope in scopes for _, oid in scope.pairs}
    documents = [
        document
        for document in _latest_published(ConsentDocument.objects.filter(in_scope, is_active=True), ConsentVersion)
        if document.published
    ]
    forms = [
        form
        for form in _latest_published(
            IntakeForm.objects.filter(in_scope | Q(offerings__in=all_offerings), is_active=True).distinct(),
            FormVersion,
        ).prefetch_related("offerings")
        if form.published
    ]
    signatures: dict[int, dict[int, ConsentSignature]] = {pid: {} for pid in patient_ids}
    for signature in ConsentSignature.objects.filter(
        patient_id__in=patient_ids, withdrawn_at__isnull=True
    ).select_related("version"):
        signatures[signature.patient_id][signature.version_id] = signature
    responses: dict[int, dict[tuple[int, int], FormResponse]] = {pid: {} for pid in patient_ids}
    for response in (
        FormResponse.objects.filter(patient_id__in=patient_ids).select_related("version").order_by("updated_at")
    ):
        responses[response.patient_id][(response.version.form_id, response.specialist_id)] = response

    answers = []
    for scope in scopes:
        items = _consent_items(scope, documents, signatures[scope.patient_id])
        items += _form_items(scope, forms, responses[scope.patient_id])
        items.sort(key=lambda item: (MOMENTS.index(item.required_before), item.kind != "consent", item.title))
        answers.append(Requirements(items))
    return answers


def form_response_get_for_specialist(*, user, public_id) -> FormResponse:
    """A response given to `user` (as the specialist it is for), else 404."""
    queryset = FormResponse.objects.filter(specialist__user=user).select_related(
        "patient", "specialist", "version__form"
    )
    return get_for_user(queryset, public_id)


def care_patient_get_for_specialist(*, specialist: SpecialistProfile, public_id):
    """A patient who booked `specialist` (has a `CareContext` with them), else 404."""
    patient = (
        get_user_model()
        .objects.filter(public_id=public_id, pk__in=CareContext.objects.filter(specialist=specialist).values("patient"))
        .first()
    )
    if patient is None:
        raise Http404
    return patient


def specialist_may_author(*, user) -> bool:
    """Whether `user`'s organization lets its specialists write their own
    consents and forms: the organization of their profile, or of the
    specialist membership their profile will be made from. One query."""
    profile_org = SpecialistProfile.objects.filter(user=user).values("organization_id")
    membership_org = (
        Membership.objects.filter(user=user, role=Membership.Role.SPECIALIST, is_active=True)
        .order_by("created_at")
        .values("organization_id")[:1]
    )
    return ConsentSettings.objects.filter(
        specialists_may_write=True, organization_id=Coalesce(Subquery(profile_org), Subquery(membership_org))
    ).exists()
