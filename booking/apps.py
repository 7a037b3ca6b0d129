from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Booking"

    def ready(self):
        from core import demo

        from . import demo as booking_demo
        from . import nextsteps, receivers, returns, specialist_nextsteps, timeline  # noqa: F401

        nextsteps.register()
        returns.register()
        specialist_nextsteps.register()
        timeline.register()  # the sessions on the patient record (core.timeline)
        demo.register(40, "Demo calendars and bookings", booking_demo.seed)
