from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "video"
    verbose_name = "Video"

    def ready(self):
        from core import demo, meetings

        from . import demo as video_demo
        from . import receivers, timeline  # noqa: F401
        from .selectors import join_link, patient_waiting

        # How booking's pages, emails and calendar files offer the room
        # without importing this app (core.meetings).
        meetings.register(join_link)
        meetings.register_waiting(patient_waiting)
        timeline.register()  # session durations on the patient record (core.timeline)
        demo.register(45, "Demo video sessions", video_demo.seed)
