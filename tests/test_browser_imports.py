"""Importing a LinkedIn export in Chromium: the progress bar while the worker checks and loads
it, the duplicate it brings (a Latin spelling of a person we have) found and merged, and the
merge undone."""

import io

import pytest
from django.core.management import call_command

from tests.test_browser import _sign_in, page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser

CONNECTIONS = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Maria,Ivanova,https://www.linkedin.com/in/maria-ivanova,maria@zelena.bg,Zelena Planeta,"
    "Coordinator,12 Mar 2021\n"
    "Nikos,Papadopoulos,https://www.linkedin.com/in/nikos,,Κοινωνία ΑΜΚΕ,Director,01 Feb 2020\n"
    "Andreea,Popescu,,andreea@verde.ro,Asociația Verde,Expert,03 Apr 2019\n"
)


def _run_worker() -> None:
    """What `manage.py db_worker` does in production, once: the queued steps run."""
    call_command("db_worker", "--batch", stdout=io.StringIO(), stderr=io.StringIO())


def test_import_linkedin_watch_progress_merge_the_duplicate_and_undo(page, workspace, alice):  # noqa: F811
    from playwright.sync_api import expect

    from svrazka.contacts.models import Person
    from tests.factories import make_person

    maria = make_person(
        workspace, alice, given_name="Мария", family_name="Иванова", emails=["maria@zelena.bg"]
    )
    base = page.base_url
    _sign_in(page, "alice@example.org")

    # Upload: the file is kept and queued; the page shows the progress bar meanwhile.
    page.goto(f"{base}/w/ngo/imports/")
    page.locator("#id_file").set_input_files(
        {"name": "Connections.csv", "mimeType": "text/csv", "buffer": CONNECTIONS.encode()}
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#import-progress progress")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text("Waiting to be checked")
    _run_worker()
    # The bar's polling notices the end of the step and shows what the file holds.
    expect(page.locator("#import-summary")).to_contain_text(
        "3 rows can be imported", timeout=20_000
    )
    expect(page.locator("#import-summary")).to_contain_text("1 row looks like a person we have")
    page.get_by_role("link", name="1 row looks like a person we have").click()
    expect(page.locator("#import-problems")).to_contain_text("maria@zelena.bg")

    page.get_by_role("button", name="Import 3 contacts").click()
    expect(page.locator("#import-progress progress")).to_be_visible()
    _run_worker()
    expect(page.locator("#import-result")).to_contain_text("Imported 3 people", timeout=20_000)
    latin = Person.objects.get(workspace=workspace, given_name="Maria")

    # The duplicates scan finds Maria Ivanova = Мария Иванова; compare and merge.
    page.goto(f"{base}/w/ngo/duplicates/?kind=person")
    page.get_by_role("button", name="Scan the whole workspace").click()
    expect(page.locator("#scan-progress progress")).to_be_visible()
    _run_worker()
    pairs = page.locator("#duplicate-pairs")
    expect(pairs).to_contain_text("Мария Иванова", timeout=20_000)
    expect(pairs).to_contain_text("Same email")
    pairs.get_by_role("link", name="Compare and merge").first.click()
    expect(page.locator("#merge-form")).to_contain_text("Maria")
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Мария Иванова")
    assert not Person.objects.filter(pk=latin.pk).exists()
    maria.refresh_from_db()
    assert maria.linkedin == "https://www.linkedin.com/in/maria-ivanova"

    # Undo the merge: the imported record is back.
    page.goto(f"{base}/w/ngo/duplicates/merges/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("The merge is undone")).to_be_visible()
    assert Person.objects.filter(pk=latin.pk).exists()
    assert page.problems == []
