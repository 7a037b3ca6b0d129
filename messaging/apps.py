from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from core import demo, returns

        from . import demo as messaging_demo
        from . import nextsteps, notices, receivers  # noqa: F401
        from .panel_views import follow_up_return

        nextsteps.register()
        # The consents flow's way back to "Book a follow-up" (core.returns).
        returns.register("messaging:patient-book", follow_up_return)

        # After the demo bookings and consents: their notices open the threads.
        demo.register(60, "Demo conversations", messaging_demo.seed)
