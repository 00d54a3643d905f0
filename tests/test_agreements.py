"""The agreement builder: the deck's six parts in versions, parties and signatories, status,
the signed scan, the document in PDF and DOCX, and the reminder before the end."""

import io
import os
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from svrazka.contacts import services as contacts
from svrazka.history.models import ChangeRecord
from svrazka.partnerships import agreements, practice
from svrazka.partnerships import services as partnerships
from svrazka.partnerships.models import Agreement, AgreementStatus, AgreementVersion, Signatory
from tests.conftest import client_for
from tests.factories import make_organisation, make_person

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def setup(workspace, alice):
    """A partnership of two organisations; Иван Петров works at the first, Maria at the second,
    Stranger at neither."""
    partnership = partnerships.partnership_create(
        workspace=workspace,
        actor=alice,
        data={
            "title": "Младежки мостове",
            "goals": "Да свържем младежи от България и Гърция.",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
        },
    )
    ours = make_organisation(workspace, alice, name="Фондация Свръзка", eik="121212121")
    theirs = make_organisation(workspace, alice, name="Hellenic Youth Network")
    partnerships.partner_add(partnership=partnership, actor=alice, organisation=ours, role="lead")
    partnerships.partner_add(
        partnership=partnership, actor=alice, organisation=theirs, role="partner"
    )
    ivan = make_person(workspace, alice, given_name="Иван", family_name="Петров")
    maria = make_person(workspace, alice, given_name="Maria", family_name="Papadopoulou")
    stranger = make_person(workspace, alice, given_name="Stranger", family_name="Danger")
    contacts.affiliation_create(
        workspace=workspace,
        actor=alice,
        person=ivan,
        organisation=ours,
        data={"position": "Председател"},
    )
    contacts.affiliation_create(
        workspace=workspace,
        actor=alice,
        person=maria,
        organisation=theirs,
        data={"position": "Director"},
    )
    return {
        "partnership": partnership,
        "ours": ours,
        "theirs": theirs,
        "ivan": ivan,
        "maria": maria,
        "stranger": stranger,
    }


@pytest.fixture
def agreement(setup, alice):
    return agreements.agreement_create(
        partnership=setup["partnership"],
        actor=alice,
        data={
            "title": "Споразумение за партньорство",
            "language": "bg",
            "start_date": date(2026, 1, 1),
            "end_date": date(2026, 12, 31),
        },
    )


def history() -> list[ChangeRecord]:
    return list(ChangeRecord.objects.order_by("id"))


def url(name, *args):
    return reverse(name, args=["ngo", *args])


def edit_data(agreement, setup, base, **text):
    ours, theirs = setup["ours"].pk, setup["theirs"].pk
    data = {
        "title": agreement.title,
        "language": agreement.language,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "remind_days_before": "30",
        "base_version": str(base),
        "common_goals": "Обмен на младежи и общи кампании.",
        "period": "През 2026 година.",
        "mechanism": "Месечни срещи онлайн.",
        "benefits": "Резултатите са общи.",
        f"responsibilities_{ours}": "Води проекта.",
        f"responsibilities_{theirs}": "Organises the exchanges in Greece.",
        f"cash_{ours}": "5000 EUR",
        f"in_kind_{theirs}": "Venue in Thessaloniki",
        f"staff_time_{theirs}": "2 days a month",
        "note": "",
    }
    data.update(text)
    return data


def sign_up_both(agreement, setup, alice):
    for person in (setup["ivan"], setup["maria"]):
        agreements.signatory_add(agreement=agreement, actor=alice, person=person)


# --- create and versions --------------------------------------------------------------------


def test_creating_an_agreement_makes_a_prefilled_version_1(setup, alice_client):
    partnership = setup["partnership"]
    response = alice_client.post(
        url("agreement_create", partnership.pk),
        {
            "title": "Agreement",
            "language": "en",
            "start_date": "2026-02-01",
            "end_date": "2026-06-30",
            "remind_days_before": "14",
        },
    )
    agreement = Agreement.objects.get(partnership=partnership)
    assert response.status_code == 302
    assert response["Location"] == url("agreement_edit", agreement.pk)
    assert agreement.status == AgreementStatus.DRAFT
    assert (agreement.start_date, agreement.end_date) == (date(2026, 2, 1), date(2026, 6, 30))
    [v1] = agreement.versions.all()
    assert v1.number == 1
    assert v1.common_goals == "Да свържем младежи от България и Гърция."
    assert v1.period == "The partnership runs from 1 February 2026 to 30 June 2026."
    assert set(v1.responsibilities) == {str(setup["ours"].pk), str(setup["theirs"].pk)}
    assert ChangeRecord.objects.filter(object_id=partnership.pk, changes__has_key="agreement")


def test_the_edit_page_shows_the_six_parts_with_hints_in_the_users_language(
    agreement, setup, alice_client
):
    page = alice_client.get(url("agreement_edit", agreement.pk)).content.decode()
    for part in practice.AGREEMENT_PARTS:
        assert part.title_en in page
        assert escape(part.hint_en[:40]) in page
    assert (
        page.count("Hellenic Youth Network") >= 2
    )  # a block in responsibilities and in contributions
    session = alice_client.session
    session["language"] = "bg"
    session.save()
    page = alice_client.get(url("agreement_edit", agreement.pk)).content.decode()
    for part in practice.AGREEMENT_PARTS:
        assert part.title_bg in page
        assert escape(part.hint_bg[:40]) in page
    v1 = agreement.versions.get()
    assert v1.period == "Партньорството се осъществява от 1 януари 2026 г. до 31 декември 2026 г."


def test_saving_adds_version_2_with_the_text(agreement, setup, alice_client):
    data = edit_data(agreement, setup, 1, note="Добавен механизъм")
    response = alice_client.post(url("agreement_edit", agreement.pk), data)
    assert response.status_code == 302
    v2 = agreement.versions.get(number=2)
    assert v2.mechanism == "Месечни срещи онлайн."
    assert v2.responsibilities[str(setup["theirs"].pk)] == "Organises the exchanges in Greece."
    assert v2.contributions[str(setup["ours"].pk)] == {
        "cash": "5000 EUR",
        "in_kind": "",
        "staff_time": "",
    }
    assert v2.note == "Добавен механизъм"
    assert agreement.versions.get(number=1).mechanism == ""  # version 1 is untouched


def test_a_save_based_on_a_stale_version_is_409_saves_nothing_and_keeps_the_text(
    agreement, setup, alice_client, bob
):
    assert (
        alice_client.post(
            url("agreement_edit", agreement.pk), edit_data(agreement, setup, 1)
        ).status_code
        == 302
    )
    bob_text = "Текстът на Боб, който не бива да се загуби."
    response = client_for(bob).post(
        url("agreement_edit", agreement.pk),
        edit_data(agreement, setup, 1, benefits=bob_text),
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert bob_text in page  # the text stays in the form
    assert 'name="base_version" value="2"' in page  # saving again is a knowing choice
    assert agreement.versions.count() == 2
    assert not AgreementVersion.objects.filter(benefits=bob_text).exists()
    # Saving again from the form as shown makes version 3 with Bob's text.
    again = client_for(bob).post(
        url("agreement_edit", agreement.pk), edit_data(agreement, setup, 2, benefits=bob_text)
    )
    assert again.status_code == 302
    assert agreement.versions.get(number=3).benefits == bob_text


def test_an_agreement_cannot_end_before_it_starts(agreement, setup, alice_client):
    response = alice_client.post(
        url("agreement_create", setup["partnership"].pk),
        {
            "title": "Backwards",
            "language": "en",
            "start_date": "2026-06-01",
            "end_date": "2026-01-01",
            "remind_days_before": "30",
        },
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    assert not Agreement.objects.filter(title="Backwards").exists()
    response = alice_client.post(
        url("agreement_edit", agreement.pk),
        edit_data(agreement, setup, 1, start_date="2026-06-01", end_date="2026-01-01"),
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.end_date == date(2026, 12, 31)
    assert agreement.versions.count() == 1


def test_the_service_also_refuses_an_end_before_the_start(setup, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        agreements.agreement_create(
            partnership=setup["partnership"],
            actor=alice,
            data={
                "title": "X",
                "language": "bg",
                "start_date": date(2026, 5, 1),
                "end_date": date(2026, 4, 1),
            },
        )
    assert not Agreement.objects.exists()


def test_the_diff_page_shows_inserted_and_deleted_words(agreement, setup, alice_client):
    alice_client.post(
        url("agreement_edit", agreement.pk),
        edit_data(agreement, setup, 1, mechanism="Месечни срещи онлайн и отчет."),
    )
    alice_client.post(
        url("agreement_edit", agreement.pk),
        edit_data(agreement, setup, 2, mechanism="Седмични срещи онлайн и отчет."),
    )
    response = alice_client.get(url("agreement_diff", agreement.pk) + "?a=2&b=3")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<del class="diff-del">Месечни</del>' in page
    assert '<ins class="diff-ins">Седмични</ins>' in page
    assert "срещи онлайн и отчет." in page
    assert "style=" not in page  # the CSP allows no inline styles


def test_the_diff_escapes_the_text():
    html = agreements.diff_html("a <b>", "a <script>x</script>")
    assert "<script>" not in html
    assert "x&lt;/script&gt;" in html


def test_the_diff_without_versions_chosen_compares_the_last_two(agreement, alice_client):
    response = alice_client.get(url("agreement_diff", agreement.pk))
    assert response.status_code == 200  # only v1: compares it with itself
    assert alice_client.get(url("agreement_diff", agreement.pk) + "?a=9&b=1").status_code == 302


# --- signatories ----------------------------------------------------------------------------


def test_a_signatory_not_affiliated_with_a_party_is_refused(agreement, setup, alice_client):
    response = alice_client.post(
        url("agreement_signatory_add", agreement.pk), {"person": setup["stranger"].pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Stranger Danger is not affiliated with any party" in page
    assert not Signatory.objects.exists()
    # Affiliated with one party, but chosen to sign for the other: refused too.
    response = alice_client.post(
        url("agreement_signatory_add", agreement.pk),
        {"person": setup["ivan"].pk, "organisation": setup["theirs"].pk},
    )
    assert response.status_code == 400
    assert "not affiliated with Hellenic Youth Network" in response.content.decode()
    assert not Signatory.objects.exists()


def test_an_affiliated_signatory_is_saved_for_their_party(agreement, setup, alice_client):
    response = alice_client.post(
        url("agreement_signatory_add", agreement.pk), {"person": setup["ivan"].pk}
    )
    assert response.status_code == 302
    signatory = Signatory.objects.get()
    assert signatory.organisation == setup["ours"]
    assert signatory.position == "Председател"  # from the affiliation
    assert ChangeRecord.objects.filter(changes__has_key="signatory").count() == 1
    again = alice_client.post(
        url("agreement_signatory_add", agreement.pk), {"person": setup["ivan"].pk}
    )
    assert again.status_code == 400
    assert Signatory.objects.count() == 1
    removed = alice_client.post(
        url("agreement_signatory_remove", agreement.pk), {"signatory": signatory.pk}
    )
    assert removed.status_code == 302
    assert not Signatory.objects.exists()


# --- status ---------------------------------------------------------------------------------


def test_status_moves_by_the_rules(agreement, setup, alice, alice_client):
    status_url = url("agreement_status", agreement.pk)
    assert alice_client.post(status_url, {"status": "sent"}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SENT
    # Signed needs the date of signing…
    response = alice_client.post(status_url, {"status": "signed"})
    assert response.status_code == 400
    assert "date the agreement was signed" in response.content.decode()
    # …and a signatory for every party.
    response = alice_client.post(status_url, {"status": "signed", "signed_on": "2026-01-05"})
    assert response.status_code == 400
    assert "Missing: Фондация Свръзка, Hellenic Youth Network" in response.content.decode()
    sign_up_both(agreement, setup, alice)
    response = alice_client.post(status_url, {"status": "signed", "signed_on": "2026-01-05"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.status, agreement.signed_on) == ("signed", date(2026, 1, 5))
    # A signed agreement is not edited any more, nor does it go back to draft.
    assert alice_client.post(status_url, {"status": "draft"}).status_code == 400
    response = alice_client.post(
        url("agreement_edit", agreement.pk), edit_data(agreement, setup, 1)
    )
    assert response.status_code == 400
    assert agreement.versions.count() == 1
    assert any("Signed" in (r.changes.get("agreement") or ["", ""])[1] for r in history())


# --- the signed scan ------------------------------------------------------------------------


def test_a_pdf_scan_is_accepted_and_members_can_download_it(
    agreement, alice_client, vera_client, oscar_client
):
    response = alice_client.post(
        url("agreement_scan_upload", agreement.pk),
        {"scan": SimpleUploadedFile("signed.pdf", TINY_PDF, content_type="application/pdf")},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.signed_scan.name.endswith(".pdf")
    download = vera_client.get(url("agreement_scan", agreement.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == TINY_PDF
    assert oscar_client.get(url("agreement_scan", agreement.pk)).status_code == 404
    assert (
        oscar_client.get(reverse("agreement_scan", args=["other", agreement.pk])).status_code == 404
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("signed.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),  # a renamed .exe
        ("signed.png", b"just some text pretending to be an image\n"),
        ("signed.jpg", b""),
    ],
)
def test_a_scan_that_is_not_a_pdf_or_image_is_refused(agreement, alice_client, name, content):
    response = alice_client.post(
        url("agreement_scan_upload", agreement.pk),
        {"scan": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert not agreement.signed_scan


def test_a_scan_over_10_mb_is_refused(agreement, alice_client):
    big = TINY_PDF + b"0" * (10 * 1024 * 1024)
    response = alice_client.post(
        url("agreement_scan_upload", agreement.pk),
        {"scan": SimpleUploadedFile("big.pdf", big, content_type="application/pdf")},
    )
    assert response.status_code == 400
    assert "10 MB" in response.content.decode()


def test_a_viewer_reads_but_does_not_change(agreement, setup, vera_client):
    assert vera_client.get(url("agreement_detail", agreement.pk)).status_code == 200
    assert vera_client.get(url("agreement_pdf", agreement.pk)).status_code == 200
    assert vera_client.get(url("agreement_edit", agreement.pk)).status_code == 403
    assert (
        vera_client.post(
            url("agreement_edit", agreement.pk), edit_data(agreement, setup, 1)
        ).status_code
        == 403
    )
    assert (
        vera_client.post(url("agreement_status", agreement.pk), {"status": "sent"}).status_code
        == 403
    )
    assert (
        vera_client.post(
            url("agreement_scan_upload", agreement.pk),
            {"scan": SimpleUploadedFile("s.pdf", TINY_PDF)},
        ).status_code
        == 403
    )
    assert vera_client.get(url("agreement_create", setup["partnership"].pk)).status_code == 403
    assert agreement.versions.count() == 1


def test_an_outsider_gets_404_everywhere(agreement, setup, oscar_client):
    for name in (
        "agreement_detail",
        "agreement_edit",
        "agreement_diff",
        "agreement_pdf",
        "agreement_docx",
        "agreement_scan",
    ):
        assert oscar_client.get(url(name, agreement.pk)).status_code == 404, name
    assert oscar_client.get(url("agreement_create", setup["partnership"].pk)).status_code == 404


def test_wrong_methods_are_refused(agreement, alice_client):
    assert alice_client.get(url("agreement_status", agreement.pk)).status_code == 405
    assert alice_client.get(url("agreement_signatory_add", agreement.pk)).status_code == 405
    assert alice_client.post(url("agreement_pdf", agreement.pk)).status_code == 405


# --- documents ------------------------------------------------------------------------------


@pytest.mark.skipif(
    not shutil.which("pdftotext") and os.environ.get("CI") != "true",
    reason="pdftotext (poppler-utils) is missing; in CI it is an error",
)
def test_the_pdf_is_a4_in_bulgarian_with_the_six_headings_and_signatures(
    agreement, setup, alice, alice_client
):
    sign_up_both(agreement, setup, alice)
    response = alice_client.get(url("agreement_pdf", agreement.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    for number, part in enumerate(practice.AGREEMENT_PARTS, 1):
        assert f"{number}. {part.title_bg}" in flat
    assert "Иван Петров" in flat
    assert "Фондация Свръзка" in flat
    assert "Подпис" in flat
    info = subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=False
    ).stdout.decode()
    if info:
        assert "595.276 x 841.89" in info or "595.28 x 841.89" in info  # A4 in points


def test_the_docx_has_the_headings_and_a_signature_block(agreement, setup, alice, alice_client):
    from docx import Document

    agreements.signatory_add(agreement=agreement, actor=alice, person=setup["maria"])
    Agreement.objects.filter(pk=agreement.pk).update(language="en")
    response = alice_client.get(url("agreement_docx", agreement.pk))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for number, part in enumerate(practice.AGREEMENT_PARTS, 1):
        assert f"{number}. {part.title_en}" in headings
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Maria Papadopoulou" in cells
    assert "Signature" in cells
    assert round(document.sections[0].page_width.mm) == 210


def test_an_old_version_can_be_exported(agreement, setup, alice_client):
    alice_client.post(url("agreement_edit", agreement.pk), edit_data(agreement, setup, 1))
    response = alice_client.get(url("agreement_docx", agreement.pk) + "?version=1")
    assert response.status_code == 200
    assert "-v1.docx" in response["Content-Disposition"]
    assert alice_client.get(url("agreement_docx", agreement.pk) + "?version=7").status_code == 404


# --- reminders and expiry -------------------------------------------------------------------


def _signed(agreement, setup, alice, end):
    sign_up_both(agreement, setup, alice)
    agreements.agreement_set_status(
        agreement=agreement, actor=alice, status="signed", signed_on=timezone.localdate()
    )
    Agreement.objects.filter(pk=agreement.pk).update(start_date=None, end_date=end)


def test_the_reminder_goes_to_the_liaison_once(agreement, setup, alice, bob):
    partnership = setup["partnership"]
    partnership.liaison = bob
    partnership.save()
    _signed(agreement, setup, alice, timezone.localdate() + timedelta(days=10))
    mail.outbox.clear()
    call_command("send_agreement_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@example.org"]
    assert agreement.title in mail.outbox[0].subject
    call_command("send_agreement_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    agreement.refresh_from_db()
    assert agreement.reminder_sent_at is not None


def test_without_a_liaison_the_owners_are_reminded_and_not_too_early(agreement, setup, alice):
    _signed(agreement, setup, alice, timezone.localdate() + timedelta(days=45))
    mail.outbox.clear()
    call_command("send_agreement_reminders", stdout=io.StringIO())
    assert mail.outbox == []  # 45 days ahead, reminder 30 days before
    later = (timezone.localdate() + timedelta(days=20)).isoformat()
    call_command("send_agreement_reminders", "--today", later, stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_a_signed_agreement_past_its_end_expires(agreement, setup, alice):
    _signed(agreement, setup, alice, timezone.localdate() - timedelta(days=1))
    draft = agreements.agreement_create(
        partnership=setup["partnership"],
        actor=alice,
        data={"title": "Draft", "language": "en", "end_date": date(2020, 1, 1)},
    )
    mail.outbox.clear()
    call_command("send_agreement_reminders", stdout=io.StringIO())
    call_command("send_agreement_reminders", stdout=io.StringIO())
    agreement.refresh_from_db()
    draft.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED
    assert draft.status == AgreementStatus.DRAFT  # only signed agreements expire
    assert mail.outbox == []
    assert [r for r in history() if "Expired" in (r.changes.get("agreement") or ["", ""])[1]]
    assert len([r for r in history() if "Expired" in str(r.changes)]) == 1


# --- the partnership room -------------------------------------------------------------------


def test_the_room_lists_the_agreements(agreement, setup, alice_client):
    page = alice_client.get(url("partnership_detail", setup["partnership"].pk)).content.decode()
    assert agreement.title in page
    assert url("agreement_detail", agreement.pk) in page
    assert url("agreement_create", setup["partnership"].pk) in page


def test_the_agreement_page_shows_the_text_versions_and_forms(agreement, setup, alice_client):
    response = alice_client.get(url("agreement_detail", agreement.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Да свържем младежи от България и Гърция." in page
    assert "Иван Петров — Фондация Свръзка" in page  # a choice for signatory
    assert "Stranger" not in page
    assert "style=" not in page


def test_every_agreement_route_is_closed_to_outsiders_and_anonymous_visitors(
    agreement, setup, alice_client, oscar_client, client
):
    from django.urls import get_resolver

    from svrazka.partnerships.views.agreements import urlpatterns

    assert len(urlpatterns) >= 10
    for pattern in urlpatterns:
        pk = setup["partnership"].pk if pattern.name == "agreement_create" else agreement.pk
        path = reverse(pattern.name, args=["ngo", pk])
        assert get_resolver().resolve(path).url_name == pattern.name
        for method in ("get", "post"):
            assert getattr(oscar_client, method)(path).status_code == 404, (method, path)
        assert client.get(path).status_code == 302, path
        assert alice_client.get(path).status_code in (200, 302, 405), path
