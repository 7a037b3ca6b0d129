"""A patient downloads their data: asks for the zip on the data page of
their account settings, watches it being prepared (a worker builds it
meanwhile), downloads it, and the index page inside lists their record.
Then they close their account. Photographed into test-results/my-data/."""

import zipfile

import pytest
from playwright.sync_api import expect

from privacy import services, tasks
from privacy.models import DataExport
from tests.accounts.factories import PASSWORD
from tests.browser.helpers import check_phone_and_desktop, screenshot, signed_in_page
from tests.privacy.factories import SECRET_WORDS, patient_with_record

pytestmark = pytest.mark.browser

FOLDER = "my-data"


@pytest.fixture
def record(org, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return patient_with_record(org, full_name="Alex Doe", timezone="Europe/Berlin")


@pytest.fixture
def no_worker(monkeypatch):
    """The zip waits for a worker, which the test plays after looking at the progress."""
    monkeypatch.setattr(tasks.build_data_export, "apply_async", lambda *args, **kwargs: None)


def test_a_patient_downloads_their_data_and_reads_the_index(new_page, live_server, record, no_worker, tmp_path):
    page = signed_in_page(new_page, live_server, record.patient, bypass_csp=True)
    page.goto(live_server.url + "/account/data/")
    expect(page.get_by_role("heading", name="Download your data")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "data-page")

    page.get_by_role("button", name="Prepare my data").click()
    expect(page.get_by_role("status").first).to_have_text("Waiting to start")
    expect(page.locator("progress")).to_be_visible()
    screenshot(page, FOLDER, "preparing")

    services.data_export_build(DataExport.objects.get(user=record.patient).pk)  # the worker
    link = page.get_by_role("link", name="Download the zip")
    expect(link).to_be_visible(timeout=10_000)  # the row polls until it is ready
    expect(page.locator("progress")).to_have_count(0)
    check_phone_and_desktop(page, FOLDER, "ready")

    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "data.zip"
    download_info.value.save_as(path)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    [index] = folder.glob("*/index.html")
    html = index.read_text()
    assert "Alex Doe" in html and 'href="messages.html"' in html and 'href="fhir/Patient.ndjson"' in html
    assert SECRET_WORDS in (index.parent / "messages.html").read_text()

    page.goto(index.as_uri())
    expect(page.get_by_role("heading", name="Your data", level=1)).to_be_visible()
    page.get_by_role("link", name="Your messages").click()
    expect(page.get_by_text(SECRET_WORDS)).to_be_visible()
    page.go_back()
    screenshot(page, FOLDER, "zip-index")


def test_a_patient_closes_their_account(new_page, live_server, record):
    page = signed_in_page(new_page, live_server, record.patient, bypass_csp=True)
    page.goto(live_server.url + "/account/data/")
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", name="Delete your account?")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "delete")

    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    screenshot(page, FOLDER, "delete-wrong-password")

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account was closed")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "deleted")
    record.patient.refresh_from_db()
    assert not record.patient.is_active
