from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "Care"

    def ready(self):
        from booking import selectors as booking_selectors

        from . import receivers  # noqa: F401
        from .selectors import patient_ids_of_specialist

        booking_selectors.register_patient_source(patient_ids_of_specialist)
        from . import record  # notes and feedback on the patient record (core.timeline)

        record.register()
        from . import nextsteps as care_nextsteps

        care_nextsteps.register()
        # After the demo conversations: the notes' and feedback's patients get no seeded thread.
        from core import demo

        from . import demo as care_demo

        demo.register(65, "Demo clinical notes and feedback", care_demo.seed)
