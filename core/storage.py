"""Private files: stored under PRIVATE_MEDIA_ROOT, which no URL serves.

Message attachments, organizations' FHIR exports and patients' data zips
live here, each app in a folder of its own, and are handed out only by
their download views, to the people allowed them.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT/`folder`, which no URL serves.

    The location is read from settings on every use, so tests (and a
    changed setting) point it elsewhere without a new instance.
    """

    def __init__(self, folder: str = ""):
        super().__init__()
        self.folder = folder

    @property
    def base_location(self):
        return os.path.join(settings.PRIVATE_MEDIA_ROOT, self.folder)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL: use the download view.")
