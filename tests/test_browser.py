"""Flows a person clicks through, in real Chromium (Debian's) driven by Playwright."""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def page(request, live_server, monkeypatch):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI (apt-get install chromium)")
        pytest.skip("Chromium is not installed on this machine")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.base_url = live_server.url
        page.problems = problems
        yield page
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        browser.close()


def test_sign_up_add_contacts_in_cyrillic_find_in_latin_and_switch_language(page):
    from playwright.sync_api import expect

    base = page.base_url
    page.goto(base + "/")
    page.get_by_role("link", name="Create a workspace").first.click()
    page.get_by_label("Your name").fill("Мария Иванова")
    page.get_by_label("Email").fill("maria@example.bg")
    page.get_by_label("Password").fill("a long and unusual passphrase 7")
    page.get_by_label("Your organisation").fill("Сдружение „Мостове“")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Сдружение „Мостове“")
    slug = re.search(r"/w/([^/]+)/", page.url).group(1)

    # An organisation, in Cyrillic.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="+ New organisation").click()
    page.get_by_label(re.compile(r"^Name")).fill("Фондация „Зелени Родопи“")
    page.get_by_label("Country").select_option("BG")
    page.get_by_label("City").fill("Смолян")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Зелени Родопи")

    # A person, in Cyrillic, working there.
    page.goto(f"{base}/w/{slug}/people/new/")
    page.get_by_label("Given name").fill("Христо")
    page.get_by_label("Family name").fill("Петров")
    page.get_by_label("Emails").fill("hristo@example.bg")
    page.get_by_label("Phones").fill("0888 123 456")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Христо Петров")
    expect(page.get_by_text("+359 88 812 3456")).to_be_visible()
    page.get_by_role("link", name="+ Add an organisation").click()
    page.get_by_label("Find the organisation").fill("zeleni")
    options = page.locator("#id_organisation option")
    expect(options).to_have_text(["Фондация „Зелени Родопи“ (Смолян)"])
    page.get_by_label("Position").fill("Координатор")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#affiliations")).to_contain_text("Фондация „Зелени Родопи“")

    # Found from a Latin query, as it is typed (htmx updates the results).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("Search").fill("hristo petrov")
    expect(page).to_have_url(re.compile(r"q=hristo(%20|\+)petrov"))
    expect(page.locator("#person-table tbody")).to_contain_text("Петров, Христо")
    page.get_by_label("Search").fill("Christo Petroff")
    expect(page).to_have_url(re.compile(r"q=Christo(%20|\+)Petroff"))
    expect(page.locator("#person-table tbody")).to_contain_text("Петров, Христо")
    page.get_by_label("Search").fill("ivanov")
    expect(page.locator("#person-table tbody")).to_contain_text("No people match.")

    # The interface switches to Bulgarian, and stays so.
    page.get_by_role("button", name="Български").click()
    expect(page.locator("html")).to_have_attribute("lang", "bg")
    expect(page.get_by_role("navigation", name="Основна навигация")).to_contain_text("Организации")
    page.goto(f"{base}/w/{slug}/organisations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Организации")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")

    assert page.problems == [], page.problems  # no CSP violations, no script errors


def test_a_viewer_sees_no_edit_controls(page, workspace, vera):
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD
    from tests.factories import make_organisation

    make_organisation(workspace, name="Видима организация")
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("Email").fill("vera@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(page.base_url + "/w/ngo/organisations/")
    expect(page.get_by_role("link", name="Видима организация")).to_be_visible()
    expect(page.get_by_role("link", name="+ New organisation")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
