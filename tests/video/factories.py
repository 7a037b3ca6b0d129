from datetime import timedelta

import factory
from allauth.mfa.utils import is_mfa_enabled
from django.utils import timezone

from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from video.models import VideoParticipation, VideoSession


class VideoSessionFactory(factory.django.DjangoModelFactory):
    """The room of a confirmed appointment a week ahead, bound to the pair's
    care relationship. `room_at(...)` gives one whose time is near."""

    class Meta:
        model = VideoSession

    appointment = factory.SubFactory(AppointmentFactory, confirmed=True)
    relationship = factory.LazyAttribute(
        lambda o: CareRelationshipFactory(patient=o.appointment.patient, specialist=o.appointment.specialist)
    )


def room_at(starts_in: timedelta = timedelta(minutes=2), *, status="confirmed", second_factor=True, **overrides):
    """A room whose session starts `starts_in` from now (negative: started),
    its specialist with a second factor (as staff need to enter)."""
    starts_at = timezone.now().replace(microsecond=0) + starts_in
    session = VideoSessionFactory(appointment__starts_at=starts_at, appointment__status=status, **overrides)
    if second_factor and not is_mfa_enabled(session.appointment.specialist.user):
        enable_totp(session.appointment.specialist.user)
    return session


def specialist_of(session: VideoSession):
    return session.appointment.specialist.user


def patient_of(session: VideoSession):
    return session.appointment.patient


def stay(session: VideoSession, user, *, role=None, minutes_ago=1, left=False) -> VideoParticipation:
    """A stay in the room, started `minutes_ago`, still open unless `left`."""
    joined_at = timezone.now() - timedelta(minutes=minutes_ago)
    return VideoParticipation.objects.create(
        session=session,
        user=user,
        role=role or ("patient" if user.pk == session.appointment.patient_id else "specialist"),
        joined_at=joined_at,
        left_at=timezone.now() if left else None,
    )
