import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.models import Tag
from organizations.models import Membership
from specialists.models import Offering, SpecialistProfile
from tests.accounts.factories import UserFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory


def tags(kind: str, *slugs: str) -> list[Tag]:
    """Tags from the seeded taxonomy (core migration 0004)."""
    found = list(Tag.objects.filter(kind=kind, slug__in=slugs))
    assert len(found) == len(slugs), f"unknown {kind} tag among {slugs}"
    return found


class SpecialistProfileFactory(factory.django.DjangoModelFactory):
    """An approved, public specialist with a specialist membership.

    `SpecialistProfileFactory(languages=["de"], specializations=["anxiety"])`
    attaches taxonomy tags by slug.
    """

    class Meta:
        model = SpecialistProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    slug = factory.Sequence(lambda n: f"specialist-{n}")
    display_name = factory.LazyAttribute(lambda o: o.user.full_name)
    bio = "Works with adults on everyday struggles."
    status = SpecialistProfile.Status.APPROVED
    accepting_new_patients = True

    class Params:
        draft = factory.Trait(status=SpecialistProfile.Status.DRAFT)

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create:
            MembershipFactory(user=obj.user, organization=obj.organization, role=Membership.Role.SPECIALIST)

    @factory.post_generation
    def specializations(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.add(*tags("specialization", *extracted))

    @factory.post_generation
    def languages(obj, create, extracted, **kwargs):
        if create:
            obj.tags.add(*tags("language", *(extracted or ["en"])))

    @factory.post_generation
    def modalities(obj, create, extracted, **kwargs):
        if create:
            obj.tags.add(*tags("modality", *(extracted or ["video"])))

    @factory.post_generation
    def approaches(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.add(*tags("approach", *extracted))

    @factory.post_generation
    def jurisdictions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.add(*tags("jurisdiction", *extracted))


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    specialist = factory.SubFactory(SpecialistProfileFactory)
    name = "Initial consultation"
    duration_minutes = 50
    price_minor = 9000
    currency = "EUR"

    class Params:
        on_request = factory.Trait(booking_mode=Offering.BookingMode.ON_REQUEST)
        archived = factory.Trait(is_active=False)


def image_bytes(fmt: str = "JPEG", size=(800, 600), *, mode: str = "RGB", colour="#2F6F6A", exif=None) -> bytes:
    """A real image in `fmt`; `exif` (a PIL Exif) is embedded when given."""
    buffer = io.BytesIO()
    image = Image.new(mode, size, colour)
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def photo_upload(fmt: str = "JPEG", *, pad_to: int = 0, name: str = "me.jpg", **image_options):
    """An uploaded photo; `pad_to` appends bytes after the image data to make it that big."""
    data = image_bytes(fmt, **image_options)
    data += b"\0" * max(0, pad_to - len(data))
    return SimpleUploadedFile(name, data, content_type=f"image/{fmt.lower()}")
