import factory
from django.utils import timezone

from patients.models import Intake
from tests.accounts.factories import UserFactory


class IntakeFactory(factory.django.DjangoModelFactory):
    """An intake just started; `IntakeFactory(completed=True)` has every step answered."""

    class Meta:
        model = Intake

    user = factory.SubFactory(UserFactory)
    current_step = "goals"

    class Params:
        completed = factory.Trait(
            current_step="constraints",
            completed_at=factory.LazyFunction(timezone.now),
            topics=["anxiety", "sleep"],
            goals_text="I have been sleeping badly since the move.",
            languages=["en", "pt"],
            specialist_gender="woman",
            modalities=["video"],
            approaches=["cbt"],
            budget_max_minor=9000,
            budget_currency="EUR",
            days=["mon", "thu"],
            times_of_day=["evening"],
            jurisdiction="de",
        )
