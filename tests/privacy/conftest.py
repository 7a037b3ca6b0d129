import pytest


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Zips and attachments go to a folder of the test's own."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
