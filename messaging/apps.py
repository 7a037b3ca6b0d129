from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from core import demo, returns, threads

        from . import demo as messaging_demo
        from . import nextsteps, notices, receivers, timeline  # noqa: F401
        from .panel_views import follow_up_return
        from .views import patient_thread_url

        nextsteps.register()
        timeline.register()  # the conversation on the patient record (core.timeline)
        # The consents flow's way back to "Book a follow-up" (core.returns).
        returns.register("messaging:patient-book", follow_up_return)
        # Where a page lower down can send a patient to write (core.threads).
        threads.register(patient_thread_url)

        # After the demo bookings and consents: their notices open the threads.
        demo.register(60, "Demo conversations", messaging_demo.seed)
