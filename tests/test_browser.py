"""Flows a person clicks through, in real Chromium (Debian's) driven by Playwright."""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
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


def _sign_in(page, email: str) -> None:
    from tests.conftest import PASSWORD

    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_coalition_from_first_contact_to_the_partners_evaluation(
    page, workspace, alice, tmp_path
):
    """The partnership practice end to end: a coalition of three, its agreement in six parts as
    a Bulgarian PDF, moved through the flow, and evaluated by a partner through a private link."""
    import subprocess

    from playwright.sync_api import expect

    from svrazka.contacts import services as contacts
    from svrazka.partnerships import practice
    from tests.factories import make_organisation, make_person

    partners = [
        ("Сдружение „Мост“", "Мария", "Иванова"),
        ("Κέντρο Νεότητας Θεσσαλονίκης", "Νίκος", "Παπαδόπουλος"),
        ("Asociația Tineri pentru Europa", "Andreea", "Popescu"),
    ]
    for i, (org_name, given, family) in enumerate(partners):
        org = make_organisation(workspace, alice, name=org_name)
        person = make_person(
            workspace,
            alice,
            given_name=given,
            family_name=family,
            emails=[f"liaison{i}@example.org"],
        )
        contacts.affiliation_create(
            workspace=workspace,
            actor=alice,
            person=person,
            organisation=org,
            data={"position": "Председател"},
        )
    base = page.base_url
    _sign_in(page, "alice@example.org")

    # A coalition.
    page.goto(base + "/w/ngo/partnerships/")
    page.get_by_role("link", name="+ New partnership").click()
    page.get_by_label(re.compile(r"^Title")).fill("Обединение „Млади хора на Балканите“")
    page.get_by_label(re.compile(r"^Form")).select_option("coalition")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Обединение „Млади хора на Балканите“"
    )
    room = page.url

    # Three partners, each with its liaison.
    for org_name, given, family in partners:
        page.get_by_role("link", name="+ Add a partner").click()
        page.get_by_label("Find the organisation").fill(org_name.split()[-1])
        found = page.locator("#id_organisation option")
        expect(found).to_have_text([re.compile(re.escape(org_name))])
        page.get_by_label(re.compile(r"^Organisation")).select_option(label=org_name)
        # The liaisons follow the organisation, however the answers arrive.
        liaisons = page.locator("#id_liaison option")
        expect(liaisons).to_have_text(["—", f"{given} {family}"])
        page.get_by_label("Their liaison").select_option(label=f"{given} {family}")
        page.get_by_role("button", name="Add").click()
        expect(page.locator("#partners")).to_contain_text(org_name)
    expect(page.locator("#partners tbody tr")).to_have_count(3)

    # The agreement, in Bulgarian, with its six parts filled in.
    page.get_by_role("link", name="+ New agreement").click()
    page.get_by_label(re.compile(r"^Title")).fill("Споразумение за партньорство")
    page.get_by_label("Language of the document").select_option("bg")
    page.get_by_role("button", name="Create the agreement").click()
    expect(page).to_have_url(re.compile(r"/agreements/\d+/"))
    agreement_url = re.search(r".*/agreements/\d+/", page.url).group(0)
    page.goto(agreement_url + "edit/")
    for part in practice.AGREEMENT_PARTS:
        boxes = page.locator(f"#part-{part.key} textarea")
        assert boxes.count() >= 1, part.key
        for i in range(boxes.count()):
            boxes.nth(i).fill(f"{part.title_bg}: текст {i + 1} на споразумението.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("main")).to_contain_text("Общи цели: текст 1")
    pdf = page.context.request.get(agreement_url + "pdf/")
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    pdf_path = tmp_path / "agreement.pdf"
    pdf_path.write_bytes(pdf.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for part in practice.AGREEMENT_PARTS:
        assert part.title_bg in text, part.title_bg
    assert "Κέντρο Νεότητας" in text and "Asociația Tineri" in text  # parties, any alphabet

    # Through the flow: from the room to a step, then on the board by dragging the card.
    page.goto(room)
    page.get_by_label("Move to").select_option("joint_projects")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#flow .flow-step.current h4")).to_contain_text(
        practice.step("joint_projects").title_en
    )
    page.goto(base + "/w/ngo/partnerships/board/")
    card = page.locator(".board-card", has_text="Млади хора на Балканите")
    with page.expect_response(re.compile(r"/move/$")) as moved:
        card.drag_to(page.locator('.board-column[data-step="evaluate"]'))
    assert moved.value.status == 204
    page.goto(room)
    expect(page.locator("#flow .flow-step.current h4")).to_contain_text(
        practice.step("evaluate").title_en
    )

    # A private evaluation link for a partner, filled in without an account, in Bulgarian.
    page.get_by_role("link", name="Ask a partner to evaluate").click()
    page.get_by_label("Partner organisation").select_option(label=partners[0][0])
    page.get_by_role("button", name="Create the link").click()
    link = page.locator("#evaluation-link").input_value()
    assert "/evaluate/" in link
    link = base + link[link.index("/evaluate/") :]  # links are made with SITE_URL
    browser = page.context.browser
    partner_context = browser.new_context(locale="bg-BG")
    partner_page = partner_context.new_page()
    partner_page.goto(link)
    expect(partner_page.locator("html")).to_have_attribute("lang", "bg")
    expect(partner_page.locator("main")).to_contain_text("Млади хора на Балканите")
    questions = partner_page.locator(".eval-questions textarea")
    assert questions.count() == len(practice.EVALUATION_QUESTIONS)
    questions.nth(0).fill("Намерихме се в социалните мрежи и направихме общи уебинари.")
    questions.nth(6).fill("Бихме договорили ясни срокове за отговор.")
    for rating in partner_page.locator(".eval-rating").all():
        rating.locator("input[type=radio]").nth(3).check()
    partner_page.locator("button[type=submit].primary").click()
    expect(partner_page).to_have_url(re.compile(r"/thanks/"))
    again = partner_page.goto(link)
    assert again.status == 410  # the link works once
    assert partner_page.locator(".eval-questions textarea").count() == 0
    partner_context.close()

    page.goto(room)
    expect(page.locator("main")).to_contain_text(partners[0][0])
    page.get_by_role("link", name=re.compile("Compare the sides")).click()
    expect(page.locator("main")).to_contain_text("Намерихме се в социалните мрежи")
    assert page.problems == [], page.problems


def test_logging_a_call_from_a_person_page_updates_timeline_and_health(page, workspace, alice):
    """A coordinator logs a call in seconds; the timeline and the health card follow at once,
    and an awaited reply that goes unanswered shows as an alert."""
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    from svrazka.touchpoints import services
    from tests.factories import make_person

    maria = make_person(workspace, alice, given_name="Мария", family_name="Иванова")
    services.log_interaction(
        workspace=workspace,
        actor=alice,
        channel="email",
        direction="out",
        occurred_at=timezone.now() - timedelta(days=12),
        people=[maria],
        subject="Покана за партньорство",
        awaiting_reply=True,
        reply_expected_by=(timezone.now() - timedelta(days=5)).date(),
    )
    _sign_in(page, "alice@example.org")
    page.goto(page.base_url + f"/w/ngo/people/{maria.pk}/")
    health = page.locator("#health")
    expect(health).to_contain_text("awaited reply is overdue")
    expect(health).to_contain_text("Needs attention")
    before = int(health.locator(".health-score").inner_text())
    assert before < 100

    quick = page.locator(".quick-log")
    quick.get_by_label("Channel").select_option("phone")
    quick.get_by_label("Direction").select_option("in")
    quick.get_by_label("Summary").fill("Мария се обади: приемат поканата.")
    quick.get_by_role("button", name="Log it").click()

    timeline = page.locator("#timeline")
    expect(timeline.locator("li").first).to_contain_text("Мария се обади: приемат поканата.")
    expect(timeline.locator("li").first).to_contain_text("Phone call")
    # Her call answered our invitation: nothing is overdue and the score went up.
    expect(page.locator("#health")).not_to_contain_text("overdue")
    expect(page.locator("#health")).not_to_contain_text("Needs attention")
    expect(timeline).to_contain_text("Answered after")
    after = int(page.locator("#health .health-score").inner_text())
    assert after > before
    # The global shortcut opens the full form.
    page.locator("body").press("l")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a touchpoint")
    assert page.problems == []
