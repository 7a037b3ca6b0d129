from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = "Consents and intake forms"

    def ready(self):
        from core import demo

        from . import demo as consents_demo
        from . import nextsteps, timeline

        nextsteps.register()
        timeline.register()  # consents and forms on the patient record (core.timeline)
        # Before the demo bookings (40), which find what is due before them;
        # the patients' progress after, once their sessions decide which forms apply.
        demo.register(35, "Demo consents and intake forms", consents_demo.seed)
        demo.register(50, "Demo patients' consents and forms", consents_demo.seed_progress)
