from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = "Consents and intake forms"

    def ready(self):
        from core import demo

        from . import demo as consents_demo
        from . import nextsteps

        nextsteps.register()
        # After the demo bookings (40): the booked sessions decide which forms apply.
        demo.register(50, "Demo consents and intake forms", consents_demo.seed)
