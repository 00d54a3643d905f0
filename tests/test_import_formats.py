"""The tabular side of imports: what a file is (`sniff`), its rows read as a stream (`tabular`),
and the export layouts Svrazka knows (`layouts`), checked against the real export headers in
shared/data/contact-csv-headers (see its SOURCES.md) and against files built here."""

import csv
import io
import random
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from svrazka.imports import layouts
from svrazka.imports.layouts import apply_mapping, guess_mapping, header_signature, recognise
from svrazka.imports.sniff import ImportFileError, detect
from svrazka.imports.tabular import (
    Row,
    RowProblem,
    header_and_rows,
    iter_csv_rows,
    iter_xlsx_rows,
)

HEADERS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "contact-csv-headers"

# Every file of the folder, and the layout (key, variant) it is an export of.
EXPECTED = {
    "google_contacts_legacy_GoogleCSV_header.csv": ("google", "legacy"),
    "google_contacts_legacy_fixture_sknull_contacts_1.csv": ("google", "legacy"),
    "linkedin_Connections_csv_first4lines.txt": ("linkedin", "connections"),
    "outlook_com_export_schema_from_csv2vcard_README.csv": ("outlook", "outlook.com"),
    "thunderbird_export_header.csv": ("thunderbird", ""),
}

# Outlook desktop "Export to CSV", the column vocabulary listed in SOURCES.md (94 names).
OUTLOOK_DESKTOP = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,"
    "Business Street,Business Street 2,Business Street 3,Business City,Business State,"
    "Business Postal Code,Business Country,Home Street,Home Street 2,Home Street 3,Home City,"
    "Home State,Home Postal Code,Home Country,Other Street,Other Street 2,Other Street 3,"
    "Other City,Other State,Other Postal Code,Other Country,Assistant's Phone,Business Fax,"
    "Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,"
    "Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,"
    "TTY/TDD Phone,Telex,Account,Anniversary,Assistant's Name,Billing Information,Birthday,"
    "Business Address PO Box,Categories,Children,Directory Server,E-mail Address,E-mail Type,"
    "E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,"
    "E-mail 3 Type,E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,"
    "Initials,Internet Free/Busy,Keywords,Language,Location,Manager's Name,Mileage,Nickname,"
    "Notes,Office Location,Organizational ID Number,Other Address PO Box,Personal Web Page,"
    "Priority,Private,Profession,Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,"
    "Web Page"
).split(",")

# The current (post-2021) Google Contacts export, as SOURCES.md gives it.
GOOGLE_CURRENT = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Website 1 - Label,Website 1 - Value,Event 1 - Label,"
    "Event 1 - Value,Custom Field 1 - Label,Custom Field 1 - Value"
).split(",")


def _headers_dir() -> Path:
    """The folder of real headers; in CI its absence is a failure, never a skip."""
    if not HEADERS.is_dir():  # it lies beside every checkout, CI's too
        pytest.fail(f"the contact-csv-headers folder is missing at {HEADERS}")
    return HEADERS


def _read(data: bytes, name: str = "contacts.csv") -> tuple[list[str], list[Row | RowProblem]]:
    """A file through the whole tabular path: sniff, rows, header."""
    detected = detect(data[: 64 * 1024], name)
    if detected.kind == "xlsx":
        rows = iter_xlsx_rows(io.BytesIO(data))
    else:
        assert detected.kind == "csv", detected
        rows = iter_csv_rows(io.BytesIO(data), detected.encoding)
    header, body = header_and_rows(rows)
    return header, list(body)


def _record(header: list[str], values: dict[str, str]):
    layout = recognise(header)
    assert layout is not None, header
    return layout.to_record({name: values.get(name, "") for name in header})


# --- the real export headers -----------------------------------------------------------------


def test_every_file_in_the_headers_folder_is_checked():
    folder = _headers_dir()
    files = {p.name for p in folder.iterdir() if p.is_file() and p.name != "SOURCES.md"}
    assert files == set(EXPECTED), "a new header file needs an expected layout here"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_export_header_is_recognised_as_its_layout(name):
    path = _headers_dir() / name
    assert path.is_file(), path
    header, _rows = _read(path.read_bytes(), name)
    layout = recognise(header)
    assert layout is not None, (name, header[:8])
    assert (layout.key, layout.variant) == EXPECTED[name]
    assert str(layout.label)
    # Robust to column order, letter case, a byte-order mark and extra columns.
    shuffled = list(reversed(header))
    shuffled[0] = "\ufeff" + shuffled[0]
    shuffled = [h.upper() if i % 2 else f"  {h.lower()} " for i, h in enumerate(shuffled)]
    again = recognise([*shuffled, "Our own column"])
    assert again is not None and (again.key, again.variant) == EXPECTED[name]


def test_the_google_legacy_fixture_maps_every_row():
    path = _headers_dir() / "google_contacts_legacy_fixture_sknull_contacts_1.csv"
    data = path.read_bytes()
    header, rows = _read(data, path.name)
    with path.open(newline="", encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    assert len(rows) == len(expected) == 3
    layout = recognise(header)
    for n, (row, want) in enumerate(zip(rows, expected, strict=True), start=2):
        assert isinstance(row, Row) and row.line == n
        record = layout.to_record(row)
        assert record.kind == "person"
        assert record.full_name == want["Name"]
        assert record.given_name == want["Given Name"]
        assert record.middle_name == want["Additional Name"]
        assert record.family_name == want["Family Name"]
        assert record.title == want["Name Prefix"]
        assert record.nickname == want["Nickname"]
        assert record.notes == want["Notes"]
        assert record.date_of_birth == want["Birthday"]  # not a date: left for validation
        assert record.emails == [want["E-mail 1 - Value"], want["E-mail 2 - Value"]]
        assert record.phones == [want[f"Phone {i} - Value"] for i in range(1, 5)]
        assert record.tags == [g.strip() for g in want["Group Membership"].split(":::")]
        assert record.organisation == want["Organization 1 - Name"]
        assert record.position == want["Organization 1 - Title"]
        assert record.department == want["Organization 1 - Department"]
        assert record.street.startswith(want["Address 1 - Street"])
        assert want["Address 1 - Extended Address"] in record.street
        assert record.city == want["Address 1 - City"]
        assert record.postal_code == want["Address 1 - Postal Code"]
        assert record.region == want["Address 1 - Region"]
        assert record.country == want["Address 1 - Country"]
        assert record.website == want["Website 1 - Value"]
        assert f"{want['Event 1 - Type']}: {want['Event 1 - Value']}" in record.extra
        assert f"Occupation: {want['Occupation']}" in record.extra
        assert f"Maiden Name: {want['Maiden Name']}" in record.extra
        # Types, phonetic (Yomi) names and housekeeping columns are not kept.
        kept = " ".join(record.extra)
        for dropped in ("Yomi", "E-mail 1 - Type", "Photo", "Sensitivity", "Gender"):
            assert dropped not in kept, dropped
    assert layout.to_record(rows[1]).tags == ["g1"]


def test_the_linkedin_export_skips_its_notice():
    path = _headers_dir() / "linkedin_Connections_csv_first4lines.txt"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Notes:")
    text += (
        "Мария,Иванова,https://www.linkedin.com/in/maria,maria@zelena.bg,Зелена планета,"
        "Координатор,12 Mar 2021\n"
        'Nikos,Papadopoulos,https://www.linkedin.com/in/nikos,,"Κοινωνία, ΑΜΚΕ",Director,'
        "01 Feb 2020\n"
    )
    detected = detect(text.encode()[:65536], "Connections.csv")
    rows = list(iter_csv_rows(io.BytesIO(text.encode()), detected.encoding))
    assert rows[0] == (
        4,
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"],
    )
    assert [line for line, _cells in rows] == [4, 5, 6]
    header, body = header_and_rows(rows)
    layout = recognise(header)
    assert layout.key == "linkedin" and str(layout.label) == "LinkedIn connections"
    maria, nikos = (layout.to_record(row) for row in body)
    assert (maria.given_name, maria.family_name) == ("Мария", "Иванова")
    assert maria.emails == ["maria@zelena.bg"]
    assert maria.linkedin == "https://www.linkedin.com/in/maria" and not maria.website
    assert (maria.organisation, maria.position) == ("Зелена планета", "Координатор")
    assert maria.extra == ["Connected On: 12 Mar 2021"]
    assert nikos.emails == [] and nikos.organisation == "Κοινωνία, ΑΜΚΕ"


def test_the_older_linkedin_header_with_e_mail_address():
    header = "First Name,Last Name,URL,E-mail Address,Company,Position,Connected On".split(",")
    record = _record(header, {"First Name": "Ion", "E-mail Address": "ion@verde.ro"})
    assert recognise(header).key == "linkedin" and record.emails == ["ion@verde.ro"]


def test_a_notes_line_without_linkedins_blank_line_is_not_skipped():
    text = "Notes:,Name\nabc,Ivan\n"
    rows = list(iter_csv_rows(io.BytesIO(text.encode()), "utf-8"))
    assert rows == [(1, ["Notes:", "Name"]), (2, ["abc", "Ivan"])]


# --- Outlook, Google current, Thunderbird, written here --------------------------------------


def test_outlook_desktop_is_recognised_with_either_country_column():
    assert len(OUTLOOK_DESKTOP) == 94
    layout = recognise(OUTLOOK_DESKTOP)
    assert (layout.key, layout.variant) == ("outlook", "desktop")
    newer = [h.replace("Country", "Country/Region") for h in OUTLOOK_DESKTOP]
    assert (recognise(newer).key, recognise(newer).variant) == ("outlook", "desktop")


def test_outlook_desktop_rows_map_to_records():
    record = _record(
        OUTLOOK_DESKTOP,
        {
            "Title": "Dr.",
            "First Name": "Elena",
            "Middle Name": "Petrova",
            "Last Name": "Dimitrova",
            "Suffix": "PhD",
            "Company": "Фондация Изгрев",
            "Department": "Programmes",
            "Job Title": "Director",
            "Business Street": "ул. Шипка 6",
            "Business Street 2": "ет. 3",
            "Business City": "София",
            "Business Postal Code": "1504",
            "Business Country": "България",
            "Home City": "Пловдив",
            "Business Phone": "+359 2 123 4567",
            "Mobile Phone": "+359 88 123 4567",
            "Business Fax": "+359 2 765 4321",
            "E-mail Address": "elena@izgrev.bg",
            "E-mail Type": "SMTP",
            "E-mail 2 Address": "/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=elena",
            "E-mail 2 Type": "EX",
            "E-mail 3 Address": "elena@gmail.com",
            "Birthday": "4/15/1980",
            "Anniversary": "0/0/00",
            "Categories": "Partners;Board; Донори",
            "Web Page": "https://izgrev.bg",
            "Personal Web Page": "https://www.linkedin.com/in/elena",
            "Notes": "Met at the forum",
            "Gender": "Unspecified",
            "Priority": "Normal",
            "Sensitivity": "Normal",
            "Spouse": "Ivan",
        },
    )
    assert (record.title, record.given_name, record.middle_name, record.family_name) == (
        "Dr.",
        "Elena",
        "Petrova",
        "Dimitrova",
    )
    assert record.kind == "person"
    assert (record.organisation, record.department, record.position) == (
        "Фондация Изгрев",
        "Programmes",
        "Director",
    )
    assert record.emails == ["elena@izgrev.bg", "elena@gmail.com"]  # not the Exchange address
    assert record.phones == ["+359 88 123 4567", "+359 2 123 4567"]
    assert (record.street, record.city, record.postal_code, record.country) == (
        "ул. Шипка 6, ет. 3",
        "София",
        "1504",
        "България",
    )
    assert record.date_of_birth == "1980-04-15"
    assert record.tags == ["Partners", "Board", "Донори"]
    assert record.website == "https://izgrev.bg"
    assert record.linkedin == "https://www.linkedin.com/in/elena"
    assert record.notes == "Met at the forum"
    assert "Home Address: Пловдив" in record.extra
    assert "Business Fax: +359 2 765 4321" in record.extra
    assert "Suffix: PhD" in record.extra and "Spouse: Ivan" in record.extra
    kept = " ".join(record.extra)
    assert "Anniversary" not in kept and "Unspecified" not in kept and "Normal" not in kept


def test_outlook_uses_the_home_address_when_there_is_no_business_one():
    record = _record(
        OUTLOOK_DESKTOP,
        {"First Name": "Ana", "Home Street": "бул. Витоша 1", "Home City": "София"},
    )
    assert (record.street, record.city) == ("бул. Витоша 1", "София")


def test_outlook_com_birthdays_without_a_year_and_organisations():
    path = _headers_dir() / "outlook_com_export_schema_from_csv2vcard_README.csv"
    header = next(csv.reader(path.open(encoding="utf-8")))
    record = _record(
        header,
        {
            "First Name": "Ivo",
            "Birthday": "1604-04-15",
            "Business Country/Region": "Bulgaria",
            "Manager's Name": "Maria",
        },
    )
    assert record.date_of_birth == "--04-15"
    assert record.country == "Bulgaria" and "Manager's Name: Maria" in record.extra
    company = _record(header, {"Company": "Сдружение Мост", "E-mail Address": "office@most.bg"})
    assert company.kind == "organisation" and company.organisation == "Сдружение Мост"


def test_google_current_is_recognised_and_maps_rows():
    layout = recognise(GOOGLE_CURRENT)
    assert (layout.key, layout.variant) == ("google", "current")
    record = _record(
        GOOGLE_CURRENT,
        {
            "First Name": "Georgi",
            "Last Name": "Petrov",
            "Name Prefix": "Prof.",
            "Phonetic First Name": "Гео",
            "Organization Name": "Sofia University",
            "Organization Title": "Lecturer",
            "Birthday": "--04-15",
            "Labels": "* myContacts ::: Navy ::: * starred ::: Донори",
            "E-mail 1 - Label": "* Work",
            "E-mail 1 - Value": "georgi@uni-sofia.bg ::: g.petrov@uni-sofia.bg",
            "E-mail 2 - Value": "georgi@example.org",
            "Phone 1 - Value": "+359 88 111 2222 ::: +359 2 999 8888",
            "Address 1 - Formatted": "ул. Шипка 6\nСофия 1504\nБългария",
            "Website 1 - Value": "https://x.com/gpetrov",
            "Event 1 - Label": "Anniversary",
            "Event 1 - Value": "2010-06-01",
            "Custom Field 1 - Label": "Member since",
            "Custom Field 1 - Value": "2019",
            "Photo": "https://lh3.googleusercontent.com/photo.jpg",
        },
    )
    assert (record.title, record.given_name, record.family_name) == ("Prof.", "Georgi", "Petrov")
    assert (record.organisation, record.position) == ("Sofia University", "Lecturer")
    assert record.date_of_birth == "--04-15"
    assert record.tags == ["Navy", "Донори"]
    assert record.emails == [
        "georgi@uni-sofia.bg",
        "g.petrov@uni-sofia.bg",
        "georgi@example.org",
    ]
    assert record.phones == ["+359 88 111 2222", "+359 2 999 8888"]
    assert record.street == "ул. Шипка 6, София 1504, България"  # only the formatted address
    assert record.x == "https://x.com/gpetrov" and not record.website
    assert record.extra == ["Anniversary: 2010-06-01", "Member since: 2019"]


def test_a_google_row_with_only_an_organisation_is_an_organisation():
    record = _record(
        GOOGLE_CURRENT,
        {"Organization Name": "Сдружение Мост", "E-mail 1 - Value": "office@most.bg"},
    )
    assert record.kind == "organisation" and record.organisation == "Сдружение Мост"
    legacy = (_headers_dir() / "google_contacts_legacy_GoogleCSV_header.csv").read_text()
    header = legacy.strip().split(",")
    org = _record(header, {"Name": "Фондация Изгрев", "Organization 1 - Name": "Фондация Изгрев"})
    assert org.kind == "organisation"
    person = _record(header, {"Given Name": "Ana", "Organization 1 - Name": "Фондация Изгрев"})
    assert person.kind == "person"


def test_thunderbird_rows_map_to_records():
    path = _headers_dir() / "thunderbird_export_header.csv"
    header = next(csv.reader(path.open(encoding="utf-8")))
    record = _record(
        header,
        {
            "First Name": "Ivan",
            "Last Name": "Ivanov",
            "Display Name": "Ivan Ivanov",
            "Primary Email": "ivan@example.org",
            "Secondary Email": "ivan@gmail.com",
            "Work Phone": "02 123 456",
            "Mobile Number": "0888 123 456",
            "Fax Number": "02 654 321",
            "Work City": "Варна",
            "Home City": "Шумен",
            "Organization": "Сдружение Мост",
            "Job Title": "Coordinator",
            "Web Page 1": "https://most.bg",
            "Web Page 2": "https://www.facebook.com/most",
            "Birth Year": "1985",
            "Birth Month": "3",
            "Birth Day": "7",
            "Custom 1": "volunteer",
        },
    )
    assert record.emails == ["ivan@example.org", "ivan@gmail.com"]
    assert record.phones == ["0888 123 456", "02 123 456"]
    assert record.city == "Варна" and "Home Address: Шумен" in record.extra
    assert (record.organisation, record.position) == ("Сдружение Мост", "Coordinator")
    assert (record.website, record.facebook) == ("https://most.bg", "https://www.facebook.com/most")
    assert record.date_of_birth == "1985-03-07"
    assert "Fax Number: 02 654 321" in record.extra and "Custom 1: volunteer" in record.extra
    no_year = _record(header, {"First Name": "A", "Birth Month": "12", "Birth Day": "24"})
    assert no_year.date_of_birth == "--12-24"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("--04-15", "--04-15"),
        ("--0415", "--04-15"),
        ("1604-04-15", "--04-15"),
        ("4/15/1604", "--04-15"),
        ("1980-4-5", "1980-04-05"),
        ("4/15/1980", "1980-04-15"),
        ("15/4/1980", "1980-04-15"),
        ("15.04.1980", "1980-04-15"),
        ("15.04.1980 г.", "1980-04-15"),
        ("0/0/00", ""),
        ("", ""),
        ("soon", "soon"),
        ("13/13/1980", "13/13/1980"),
    ],
)
def test_birthdays_as_files_write_them(text, expected):
    assert layouts.birthday(text) == expected


@pytest.mark.parametrize(
    "header",
    [
        ["Name", "Email", "Phone"],
        ["First Name", "Last Name", "Email"],
        ["First Name", "Last Name", "E-mail Address"],  # no Outlook address columns
        ["Given Name", "Family Name", "Email"],
        ["Име", "Фамилия", "Имейл"],
        [],
    ],
)
def test_ordinary_tables_are_not_taken_for_an_export(header):
    assert recognise(header) is None


# --- sniffing --------------------------------------------------------------------------------

CYRILLIC = "Име,Фамилия,Град\nЙордан,Йорданов,София\nМария,Иванова,Пловдив\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (CYRILLIC.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CYRILLIC.encode("utf-8"), "utf-8-sig"),
        (CYRILLIC.encode("cp1251"), "windows-1251"),
        ("Name,City\nJosé Müller,Zürich\nFrançois,Besançon\n".encode("cp1252"), "windows-1252"),
        (CYRILLIC.encode("utf-16"), "utf-16"),  # with a byte-order mark
        (CYRILLIC.encode("utf-16-le"), "utf-16-le"),
        (CYRILLIC.encode("utf-16-be"), "utf-16-be"),
        (CYRILLIC.encode("utf-32"), "utf-32"),
    ],
)
def test_encodings_are_recognised_and_read(data, encoding):
    detected = detect(data[:65536], "contacts.csv")
    assert (detected.kind, detected.encoding) == ("csv", encoding)
    header, rows = _read(data)
    if "Име" in header:
        assert header == ["Име", "Фамилия", "Град"]  # no byte-order mark left
        assert rows[0].cells == ["Йордан", "Йорданов", "София"]
        assert rows[1]["Град"] == "Пловдив"
    else:
        assert rows[0].cells == ["José Müller", "Zürich"]


def test_a_head_that_cuts_a_character_in_two_is_still_utf8():
    data = ("Име,Град\n" + "Йордан,София\n" * 5000).encode("utf-8")
    for cut in range(65530, 65536):
        assert detect(data[:cut], "c.csv").encoding == "utf-8"


def test_invalid_text_later_in_the_file_names_the_line():
    good = "Name,City\n" + "Ivan,Sofia\n" * 10000  # longer than the head
    data = good.encode() + "Йордан,Плевен\n".encode("cp1251")
    detected = detect(data[:65536], "c.csv")
    assert detected.encoding == "utf-8"
    with pytest.raises(ImportFileError, match="not valid utf-8 near line") as e:
        list(iter_csv_rows(io.BytesIO(data), detected.encoding))
    line = int(e.value.message.rsplit(" ", 1)[1].rstrip("."))
    assert 9000 < line <= 10002


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEND:VCARD\r\n",
        "\ufeff\r\n\r\n  begin:vcard\nFN:Ana\nEND:VCARD\n",
    ],
)
def test_vcards_are_recognised(text):
    for encoding in ("utf-8", "utf-16"):
        assert detect(text.encode(encoding), "contacts.txt").kind == "vcard"


def test_an_xlsx_that_is_not_called_xlsx_is_still_a_workbook():
    data = _workbook_bytes([["Name"], ["Ana"]])
    assert detect(data[:65536], "export.csv").kind == "xlsx"


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(500), "PDF"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(500), "JPEG"),
        (b"GIF89a" + bytes(100), "GIF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Save it as .xlsx or .csv"),
        (random.Random(7).randbytes(4096) + b"\0\0", "not text"),
        (bytes(range(1, 32)) * 100, "not text"),
    ],
)
def test_files_that_are_not_contact_lists_are_refused(data, words):
    with pytest.raises(ImportFileError) as e:
        detect(data[:65536], "contacts.csv")
    assert words.lower() in e.value.message.lower()
    assert str(e.value) == e.value.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("contacts.csv", "Name\nAna\n")
    with pytest.raises(ImportFileError, match="ZIP"):
        detect(buffer.getvalue(), "contacts.zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(ImportFileError, match=r"\.xlsx or \.csv"):
        detect(buffer.getvalue(), "contacts.ods")


# --- CSV rows --------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_found_from_the_header(delimiter):
    text = delimiter.join(['"Name, full"', "Email", "City"]) + "\n"
    text += delimiter.join(["Ана Петрова", "ana@x.bg", '"София; център"']) + "\n"
    header, rows = _read(text.encode())
    assert header == ["Name, full", "Email", "City"]
    assert rows[0].cells == ["Ана Петрова", "ana@x.bg", "София; център"]


def test_quoted_cells_with_line_breaks_and_blank_rows():
    text = (
        "Name,Notes,City\r\n"
        '"Ana","first line\r\nsecond line\r\n\r\nfourth",Sofia\r\n'
        "\r\n"
        ",,\r\n"
        "Ivo,,Varna\r\n"
    )
    rows = list(iter_csv_rows(io.BytesIO(text.encode()), "utf-8"))
    assert rows == [
        (1, ["Name", "Notes", "City"]),
        (2, ["Ana", "first line\r\nsecond line\r\n\r\nfourth", "Sofia"]),
        (8, ["Ivo", "", "Varna"]),
    ]


def test_ragged_rows_are_padded_or_reported():
    text = "A,B,C\n1,2\n1,2,3,4\n1,2,3,,\n\n1,2,3\n"
    header, rows = _read(text.encode())
    assert header == ["A", "B", "C"]
    assert isinstance(rows[0], Row) and rows[0].cells == ["1", "2", ""] and rows[0]["C"] == ""
    problem = rows[1]
    assert isinstance(problem, RowProblem) and problem.line == 3
    assert problem.message == "This row has 4 columns; the header has 3."
    assert problem.excerpt == "1 2 3 4"
    assert isinstance(rows[2], Row) and rows[2].cells == ["1", "2", "3"]  # trailing separators
    assert [r.line for r in rows] == [2, 3, 4, 6]


def test_a_header_with_spaces_and_a_byte_order_mark_is_cleaned():
    header, rows = header_and_rows([(1, ["", ""]), (2, ["\ufeff First ", "Last  "]), (3, ["a"])])
    assert header == ["First", "Last"]
    assert [dict(r) for r in rows] == [{"First": "a", "Last": ""}]
    nothing, no_rows = header_and_rows([])
    assert nothing == [] and list(no_rows) == []
    empty_header, empty_rows = header_and_rows([(1, [" "])])
    assert empty_header == [] and list(empty_rows) == []


def test_a_cell_over_the_limit_is_an_error():
    text = 'Name,Notes\nAna,"' + "x" * (1024 * 1024 + 10) + '"\n'
    with pytest.raises(ImportFileError, match="near line 2 is longer than"):
        list(iter_csv_rows(io.BytesIO(text.encode()), "utf-8"))


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.most = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.most = max(self.most, self.tell())
        return chunk

    def read1(self, size=-1):
        chunk = super().read1(size)
        self.most = max(self.most, self.tell())
        return chunk


def test_csv_rows_are_read_as_a_stream():
    data = ("Name,Email\n" + "Ivan Ivanov,ivan@example.org\n" * 200_000).encode()
    stream = _CountingStream(data)
    rows = iter_csv_rows(stream, "utf-8")
    assert next(rows) == (1, ["Name", "Email"])
    assert next(rows) == (2, ["Ivan Ivanov", "ivan@example.org"])
    assert stream.most < 256 * 1024 < len(data)


# --- XLSX rows -------------------------------------------------------------------------------


def _workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    second = workbook.create_sheet("Other")
    second.append(["not", "this", "sheet"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbook_is_read_as_text(tmp_path):
    data = _workbook_bytes(
        [
            ["Име", "Фамилия", "Телефон", "Рождена дата", "Вноска", "Членува", None],
            ["Мария", "Иванова", 359888123456, date(1980, 4, 15), 12.5, True, None],
            [None, None, None],
            ["Ivo", None, 42.0, datetime(1990, 1, 2, 0, 0), 3, False, ""],
            ["Ana", "", "", datetime(2024, 5, 6, 14, 30)],
        ]
    )
    assert detect(data[:65536], "contacts.xlsx") == detect(data, "contacts.xlsx")
    assert detect(data[:65536], "contacts.xlsx").kind == "xlsx"
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(data)
    for source in (str(path), path, io.BytesIO(data)):
        rows = list(iter_xlsx_rows(source))
        assert rows == [
            (1, ["Име", "Фамилия", "Телефон", "Рождена дата", "Вноска", "Членува"]),
            (2, ["Мария", "Иванова", "359888123456", "1980-04-15", "12.5", "TRUE"]),
            (4, ["Ivo", "", "42", "1990-01-02", "3", "FALSE"]),
            (5, ["Ana", "", "", "2024-05-06 14:30"]),
        ]
    header, body = _read(data, "contacts.xlsx")
    assert [r.cells for r in body][1] == ["Ivo", "", "42", "1990-01-02", "3", "FALSE"]
    mapping = guess_mapping(header)
    record = apply_mapping(mapping, body[0].cells)
    assert (record.given_name, record.family_name) == ("Мария", "Иванова")
    assert record.phones == ["359888123456"] and record.date_of_birth == "1980-04-15"


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + bytes(300),
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00[Content_Types].xml" + b"garbage" * 50,
    ],
)
def test_a_damaged_workbook_is_an_error(data):
    assert detect(data, "contacts.xlsx").kind == "xlsx"
    with pytest.raises(ImportFileError, match="damaged"):
        list(iter_xlsx_rows(io.BytesIO(data)))


def test_a_zip_called_xlsx_without_a_workbook_is_an_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    assert detect(buffer.getvalue(), "contacts.xlsx").kind == "xlsx"
    with pytest.raises(ImportFileError, match="damaged"):
        list(iter_xlsx_rows(io.BytesIO(buffer.getvalue())))


# --- the column mapping ----------------------------------------------------------------------


def test_guess_mapping_reads_english_headers():
    header = [
        "First Name",
        "last_name",
        "E-mail",
        "Work email",
        "Mobile phone",
        "Phone 2",
        "Company",
        "Job Title",
        "Address",
        "City",
        "ZIP",
        "Country",
        "Date of birth",
        "Website",
        "LinkedIn",
        "Twitter",
        "Comments",
        "Tags",
        "Favourite colour",
        "Email Type",
    ]
    assert guess_mapping(header) == {
        0: "given_name",
        1: "family_name",
        2: "email",
        3: "email",
        4: "phone",
        5: "phone",
        6: "organisation",
        7: "position",
        8: "street",
        9: "city",
        10: "postal_code",
        11: "country",
        12: "date_of_birth",
        13: "website",
        14: "linkedin",
        15: "x",
        16: "notes",
        17: "tags",
    }
    assert guess_mapping(["Name", "Surname", "Mailing address"]) == {
        0: "given_name",
        1: "family_name",
    }
    assert guess_mapping(["Name", "Email"]) == {0: "full_name", 1: "email"}


def test_guess_mapping_reads_bulgarian_headers():
    header = [
        "Име",
        "Презиме",
        "Фамилия",
        "Имейл",
        "Е-поща",
        "Телефон",
        "Организация",
        "Длъжност",
        "Град",
        "Адрес",
        "Пощенски код",
        "Държава",
        "Бележки",
        "Уебсайт",
        "Рождена дата",
        "Етикети",
    ]
    assert [guess_mapping(header).get(i) for i in range(len(header))] == [
        "given_name",
        "middle_name",
        "family_name",
        "email",
        "email",
        "phone",
        "organisation",
        "position",
        "city",
        "street",
        "postal_code",
        "country",
        "notes",
        "website",
        "date_of_birth",
        "tags",
    ]
    # Without a family-name column, "Име" is the whole name; the first "Name" column wins.
    assert guess_mapping(["Име", "Ел. поща", " ИМЕ "]) == {0: "full_name", 1: "email"}
    assert guess_mapping(["  FULL   NAME ", "Тел."]) == {0: "full_name", 1: "phone"}


def test_targets_are_ordered_and_labelled():
    keys = [key for key, _label in layouts.TARGETS]
    for key in (
        "given_name middle_name family_name full_name title email phone organisation "
        "department position street city postal_code region country date_of_birth website "
        "linkedin facebook x notes tags ignore"
    ).split():
        assert key in keys
    assert len(keys) == len(set(keys)) and all(str(label) for _key, label in layouts.TARGETS)


def test_apply_mapping_builds_a_record():
    header = ["Kto", "Mail", "Mail 2", "Tel", "Notes", "More notes", "Org", "Org 2", "Tags"]
    mapping = {
        0: "full_name",
        1: "email",
        2: "email",
        3: "phone",
        4: "notes",
        5: "notes",
        6: "organisation",
        7: "organisation",
        8: "tags",
        9: "city",  # a column the row does not have
    }
    cells = [
        " Мария Иванова ",
        "m@x.bg; maria@y.bg",
        "M@X.BG",
        "0888 123 456, 02 123 456",
        "first",
        "second",
        "Изгрев",
        "Мост",
        "donor, volunteer ::: Donor",
    ]
    record = apply_mapping(mapping, cells, header)
    assert record.full_name == "Мария Иванова" and record.kind == "person"
    assert record.emails == ["m@x.bg", "maria@y.bg"]
    assert record.phones == ["0888 123 456", "02 123 456"]
    assert record.notes == "first\nsecond"
    assert record.organisation == "Изгрев" and record.extra == ["Org 2: Мост"]
    assert record.tags == ["donor", "volunteer"]
    assert record.city == ""
    organisation = apply_mapping({"0": "organisation", "1": "email"}, ["Мост", "office@most.bg"])
    assert organisation.kind == "organisation" and organisation.emails == ["office@most.bg"]
    assert apply_mapping({0: "ignore"}, ["x"]).is_empty()


def test_header_signature_is_stable_across_case_and_spacing():
    signature = header_signature(["First Name", "E-mail", "Град"])
    assert signature == header_signature(["\ufefffirst  name", " e-mail ", "ГРАД", ""])
    assert len(signature) <= 64 and signature == header_signature(["First Name", "E-mail", "Град"])
    assert signature != header_signature(["E-mail", "First Name", "Град"])
    assert signature != header_signature(["First Name", "Email", "Град"])
