"""vCard: the reader (svrazka.imports.vcard) on real files and on each feature, and the writer
(svrazka.exports.vcard) through a round trip. No database."""

import io
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svrazka.exports.vcard import card_text, fold
from svrazka.imports import vcard
from svrazka.imports.records import ContactRecord
from svrazka.imports.vcard import VCardError, iter_records, looks_like_vcard

VCARDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vcards"
IN_CI = os.environ.get("CI") == "true"


def read(text: str) -> list[tuple[int, ContactRecord | VCardError]]:
    return list(iter_records(io.StringIO(text, newline="")))


def records(text: str) -> list[ContactRecord]:
    items = read(text)
    errors = [item for _line, item in items if isinstance(item, VCardError)]
    assert not errors, [e.message for e in errors]
    return [item for _line, item in items]


def one(text: str) -> ContactRecord:
    (record,) = records(text)
    return record


def card(*lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""])


def qp(data: bytes, width: int = 40) -> list[str]:
    """Quoted-printable as vCard 2.1 writers do it: lines of at most `width` characters, each
    but the last ending with a soft line break ("=")."""
    tokens = [chr(b) if 32 <= b < 127 and b != ord("=") else f"={b:02X}" for b in data]
    lines, current = [], ""
    for token in tokens:
        if len(current) + len(token) > width - 1:
            lines.append(current + "=")
            current = ""
        current += token
    return [*lines, current]


# --- Conformance: every file in shared/data/vcards -------------------------------------------

# Per file, what its cards hold, read off the files by hand: one dict per card from the first
# (a prefix of the cards is enough), fields compared exactly, except "notes~" (a fragment of the
# notes) and "cards" (how many cards the file has).
EXPECTED: dict[str, dict] = {
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_ANDROID.vcf": {
        "cards": 6,
        "records": [
            {"emails": ["john.doe@company.com"], "tags": ["My Contacts"]},
            {"emails": ["jane.doe@company.com"]},
            # N and FN in quoted-printable UTF-8 (=C3=91 is Ñ, =20 a space)
            {"family_name": "Ñ Ñ Ñ Ñ", "full_name": "Ñ Ñ Ñ Ñ Ñ", "phones": ["123456789"]},
            # soft line breaks in N, FN and NOTE; two identical notes kept once
            {
                "family_name": "Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ",
                "phones": ["123456", "234567", "3456789", "45678901"],
                "notes": "Ñ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ Ñ Ñ ÑÑ Ñ Ñ Ñ Ñ",
            },
            {
                "family_name": "Ñ Ñ",
                "given_name": "Ñ Ñ Ñ",
                "emails": ["bob@company.com", "ÑÑÑÑÑÑÑÑÑÑÑÑÑÑ"],
                "phones": ["123456"],
                "organisation": "ÑÑÑÑÑÑÑÑÑÑÑÑ",
                "website": "www.company.com",
            },
            {
                "family_name": "ÑÑÑÑ",
                "emails": ["henry@company.com"],
                "phones": ["55556666"],
                "organisation": "Ñ" * 44,
                "tags": ["My Contacts"],
            },
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_BLACK_BERRY.vcf": {
        "cards": 1,
        "records": [
            {
                "full_name": "John Doe",
                "given_name": "john",
                "family_name": "Doe",
                "organisation": "Acme Solutions",
                "phones": ["+96123456789"],
                "notes": "",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_EVOLUTION.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "middle_name": "Richter, James",
                "family_name": "Doe",
                "title": "Mr.",
                "full_name": "Mr. John Richter, James Doe Sr.",
                "nickname": "Johny",
                "emails": ["john.doe@ibm.com"],
                # TYPE=WORK,VOICE is not preferred over TYPE=CELL: file order
                "phones": ["905-666-1234", "905-555-1234"],
                "organisation": "IBM",
                "department": "Accounting, Dungeon",
                "position": "Money Counter",
                "street": "15 Crescent moon drive",
                "city": "Albaney",
                "region": "New York",
                "postal_code": "12345",
                "country": "United States of America",
                "date_of_birth": "1980-03-22",
                "website": "http://www.ibm.com",
                "tags": ["VIP"],
                "notes~": "MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_GMAIL.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "family_name": "Doe",
                "middle_name": "Richter, James",
                "emails": ["john.doe@ibm.com"],
                "phones": ["905-555-1234", "905-666-1234"],
                "organisation": "IBM",
                "position": "Money Counter",
                "date_of_birth": "1980-03-22",
                "website": "http://www.ibm.com",  # written http\://
                "notes~": 'CONTRIBUTORS "AS IS" AND ANY',  # written \"
            }
        ],
        "notes_end": "SUCH DAMAGE.\nFavotire Color: Blue",
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_IPHONE.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "middle_name": "Richter James",
                "family_name": "Doe",
                "nickname": "Johny",
                "emails": ["john.doe@ibm.com"],
                "phones": [
                    "905-555-1234",
                    "905-666-1234",
                    "905-777-1234",
                    "905-888-1234",
                    "905-999-1234",
                    "905-111-1234",
                    "905-222-1234",
                ],
                "organisation": "IBM",
                "department": "Accounting",
                "street": "Silicon Alley 5",
                "city": "New York",
                "postal_code": "12345",
                "country": "United States of America",
                "date_of_birth": "2012-06-06",
                "website": "http://www.ibm.com",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_LOTUS_NOTES.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "middle_name": "Johny",
                "family_name": "Doe",
                "nickname": "Johny,JayJay",
                "emails": ["john.doe@ibm.com", "billy_bob@gmail.com"],
                "phones": ["+1 (212) 204-34456", "00-1-212-555-7777"],
                "organisation": "IBM",
                "department": "SUN",
                "position": "Generic Accountant",
                "city": "New York",
                "postal_code": "NYC887",
                "website": "http://www.sun.com",
                "date_of_birth": "1980-05-21",
                "notes~": 'CONTRIBUTORS "AS IS"\nAND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING',
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_MAC_ADDRESS_BOOK.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "middle_name": "Richter,James",  # escaped: one name with a comma
                "family_name": "Doe",
                "emails": ["john.doe@ibm.com"],
                "phones": [
                    "905-777-1234",
                    "905-666-1234",
                    "905-555-1234",
                    "905-888-1234",
                    "905-999-1234",
                    "905-111-1234",
                    "905-222-1234",
                ],
                "organisation": "IBM",
                "position": "Money Counter",
                "street": "Silicon Alley 5",
                "date_of_birth": "2012-06-06",
                "notes~": "OF THE POSSIBILITY OF SUCH DAMAGE.\nFavotire Color: Blue",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_MS_OUTLOOK.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "family_name": "Doe",
                "title": "Mr.",
                "full_name": "Mr. John Richter James Doe Sr.",
                "emails": ["john.doe@ibm.cm"],
                "phones": ["(905) 555-1234", "(905) 666-1234"],
                "organisation": "IBM",
                "department": "Accounting",
                "position": "Money Counter",
                "street": "Cresent moon drive",  # the ADR;WORK;PREF one
                "city": "Albaney",
                "date_of_birth": "19800322",
                "website": "http://www.ibm.com",
                "notes~": "SERVICES; LOSS OF USE, DATA, OR PROFITS;",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/fullcontact.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "FirstName",
                "middle_name": "MiddleName",
                "family_name": "LastName",
                "title": "Prefix",
                "nickname": "NickName",
                "emails": [
                    "home@example.com",
                    "work@example.com",
                    "school@example.com",
                    "other@example.com",
                    "custom@example.com",
                ],
                "organisation": "Organization1",
                "department": "Department1",
                "position": "Title1",
                "street": "HomeStreet, HomeExtended",
                "city": "HomeCity",
                "country": "HomeCountry",
                "date_of_birth": "20160801",
                "website": "http://www.homepage.com",
                "notes": "Notes line 1\nNotes line 2",
                "tags": ["Tag"],
            }
        ],
        "phones_count": 9,
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/gmail-list.vcf": {
        "cards": 3,
        "records": [
            {"given_name": "Arnold", "family_name": "Smith", "emails": ["asmithk@gmail.com"]},
            {"given_name": "Chris", "family_name": "Beatle", "emails": ["chrisy55d@yahoo.com"]},
            {"given_name": "Doug", "family_name": "White", "emails": ["dwhite@gmail.com"]},
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/gmail-single.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "Greg",
                "family_name": "Dartmouth",
                "nickname": "Gman",
                "emails": ["gdartmouth@hotmail.com"],
                "phones": ["555 555 1111", "555 555 2222"],
                "organisation": "TheCompany",
                "position": "TheJobTitle",
                "street": "123 Home St, Home City, HM 12345",
                "date_of_birth": "1960-09-10",
                "website": "http://TheProfile.com",
                "notes~": "It should be added as a NOTE type.\nACustomField: CustomField",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/gmail-single2.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "VCard",
                "family_name": "Test",
                "nickname": "TheNickname",
                "emails": [
                    "email@example.com",
                    "homeemail@example.com",
                    "workemail@example.com",
                    "otheremail@example.com",
                    "customcategory@example.com",
                ],
                "organisation": "TheCompany",
                "street": "111 Main St",
                "city": "NY",
                "region": "New York",
                "postal_code": "10011",
                "date_of_birth": "1912-06-23",
                "website": "http://www.example1.com",
                "notes": "note line 1\nnote line 2\nCustomField: field value",
            }
        ],
        "phones_count": 11,
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/outlook-2003.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "family_name": "Doe",
                "full_name": "John Doe III",
                "nickname": "Joey",
                "emails": ["jdoe@hotmail.com"],
                "phones": ["BusinessPhone", "HomePhone", "MobilePhone", "BusinessFaxPhone"],
                "organisation": "Company, The",
                "department": "TheDepartment",
                "position": "The Job Title",
                "street": "123 Main St, TheOffice",
                "city": "Austin",
                "date_of_birth": "19800321",
                "website": "http://web-page-address.com",
                # quoted-printable, a soft line break between =0D and =0A
                "notes": "This is the note field!!\nSecond line\n\nThird line is empty",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/outlook-2007.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "Michael",
                "family_name": "Angstadt",
                "title": "Mr.",
                "nickname": "Mike",
                "emails": ["mike.angstadt@gmail.com"],
                "phones": ["(111) 555-1111", "(111) 555-2222", "(111) 555-4444", "(111) 555-3333"],
                "organisation": "TheCompany",
                "department": "TheDepartment",
                "position": "TheJobTitle",
                "street": "222 Broadway, TheOffice",
                "city": "New York",
                "postal_code": "99999",
                "country": "USA",
                "date_of_birth": "19220310",
                "notes~": "inside a NOTE vCard type.\nBut I'm not sure",
            }
        ],
        "notes_end": "It does not preserve the formatting",
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/rfc2426-example.vcf": {
        "cards": 2,
        "records": [
            {
                "full_name": "Frank Dawson",
                "emails": ["Frank_Dawson@Lotus.com", "fdawson@earthlink.net"],
                "phones": ["+1-919-676-9515", "+1-919-676-9564"],
                "organisation": "Lotus Development Corporation",
                "street": "6544 Battleford Drive",
                "city": "Raleigh",
                "postal_code": "27613-3502",
                "website": "http://home.earthlink.net/~fdawson",
                "kind": "person",
            },
            {
                "full_name": "Tim Howes",
                "emails": ["howes@netscape.com"],
                "organisation": "Netscape Communications Corp.",
                "city": "Mountain View",
                "region": "CA",
                "postal_code": "94043",
            },
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/rfc6350-example.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "Simon",
                "family_name": "Perreault",
                "emails": ["simon.perreault@viagenie.ca"],
                "phones": ["+1-418-656-9254 ext. 102", "+1-418-262-6501"],
                "organisation": "Viagenie",
                "street": "2875 Laurier, Suite D2-630",
                "city": "Quebec",
                "postal_code": "G1V 2M2",
                "country": "Canada",
                "date_of_birth": "--0203",
                "website": "http://nomis80.org",
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/io/text/"
    "thunderbird-MoreFunctionsForAddressBook-extension.vcf": {
        "cards": 1,
        "records": [
            {
                "given_name": "John",
                "family_name": "Doe",
                "nickname": "Johnny",
                "emails": [
                    "doe.john@hotmail.com",
                    "additional-email@company.com",
                    "additional-email1@company.com",
                    "additional-email2@company.com",
                    "additional-email3@company.com",
                ],
                "phones": [
                    "555-555-1111",
                    "555-555-2222",
                    "555-555-5555",
                    "555-555-3333",
                    "555-555-4444",
                ],
                "organisation": "TheOrganization",
                "department": "TheDepartment",
                "position": "TheTitle",
                "city": "New York",
                "date_of_birth": "1970-09-21",
                "website": "http://www.private-webpage.com",
                "tags": ["category1", "category2", "category3"],
                "notes": "This is the notes field.\nSecond Line\n\nFourth Line\n"
                'You can put anything in the "note" field; even curse words.',
            }
        ],
    },
    "ez-vcard/src/test/resources/ezvcard/issue/issue114.vcf": {
        "cards": 1,
        "records": [
            {
                "full_name": "Dummy, Dummy",
                "given_name": "Dummy",
                "family_name": "Dummy",
                "emails": ["dummy.dummy@dummy.com"],
                "phones": ["+49 1234 56789", "+49 9876 54321"],
                "organisation": "Dummy GmbH",
                # an unquoted LABEL parameter with colons in it: the address still comes out
                "city": "Bad Homburg",
                "postal_code": "61352",
                "country": "Germany",
            }
        ],
    },
    "py-vobject/test_files/radicale-1587.vcf": {
        "cards": 1,
        "records": [
            {
                "full_name": "Given Family",
                "given_name": "Given",
                "middle_name": "Additional",
                "family_name": "Family",
                "title": "Prefix",
            }
        ],
    },
    "py-vobject/test_files/vcard40_full.vcf": {
        "cards": 1,
        "records": [
            {
                "kind": "person",
                "full_name": "Dr. John Q. Public, III",
                "given_name": "John",
                "middle_name": "Quinlan",
                "family_name": "Public",
                "title": "Dr.",
                "nickname": "Johnny, JQP",
                # PREF=1 first
                "emails": ["johnny@personal.example.org", "john.public@example.com"],
                "phones": ["+1-555-555-5555", "+1-555-123-4567"],
                "organisation": "Example Corp.",
                "department": "North Division, Marketing",
                "position": "CEO",
                "street": "456 Oak Lane",  # the PREF=1 address
                "city": "Somewhere",
                "date_of_birth": "19850415",
                "website": "http://www.example.com/~jqpublic",
                "notes": "This is a note about John.\nHe likes vCards.",
                "tags": ["BUSINESS", "NETWORKING"],
            }
        ],
    },
    "py-vobject/test_files/vcard40_group.vcf": {
        "cards": 1,
        "records": [{"full_name": "The Doe Family", "emails": []}],
    },
    "py-vobject/test_files/vcard40_location.vcf": {
        "cards": 1,
        "records": [
            {
                "full_name": "Empire State Building",
                "phones": ["+1-212-736-3100"],
                "street": "350 Fifth Avenue",
                "website": "http://www.esbnyc.com",
            }
        ],
    },
    "py-vobject/test_files/vcard40_multilang.vcf": {
        "cards": 1,
        # the first FN and N (English); the Japanese ones come after
        "records": [{"full_name": "Yamada Taro", "given_name": "Taro", "family_name": "Yamada"}],
    },
    "py-vobject/test_files/vcard40_org.vcf": {
        "cards": 1,
        "records": [
            {
                "kind": "organisation",
                "full_name": "ABC Marketing",
                "organisation": "ABC, Inc.",
                "department": "North American Division, Marketing",
                "emails": ["marketing@abc.example.com"],
                "phones": ["+1-555-000-0000"],
                "street": "456 Corporate Way",
                "website": "http://www.abc.example.com/marketing",
            }
        ],
    },
    "py-vobject/test_files/vcard40_simple.vcf": {
        "cards": 1,
        "records": [{"full_name": "John Doe", "given_name": "John", "family_name": "Doe"}],
    },
}


def _vcf_files() -> list[str]:
    if not VCARDS.is_dir():
        return []
    return sorted(p.relative_to(VCARDS).as_posix() for p in VCARDS.rglob("*.vcf"))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_file(relative: str, newline: str | None) -> list[tuple[int, ContactRecord | VCardError]]:
    """As the import reads it: a text stream (universal newlines, or line ends kept)."""
    text = _decode((VCARDS / relative).read_bytes())
    return list(iter_records(io.StringIO(text, newline=newline)))


def test_conformance_files_are_there():
    if not VCARDS.is_dir():  # they lie beside every checkout, CI's too
        pytest.fail(f"the vCard test files are missing: {VCARDS}")
    files = _vcf_files()
    assert files, f"no .vcf files under {VCARDS}"
    # No file is skipped: each one has its expectations below.
    missing = sorted(set(files) - set(EXPECTED))
    assert not missing, f"add expectations for {missing}"
    gone = sorted(set(EXPECTED) - set(files))
    assert not gone, f"expected files not found: {gone}"


@pytest.mark.parametrize("relative", _vcf_files())
def test_every_card_of_every_file_reads(relative):
    universal = _read_file(relative, newline=None)
    assert universal, f"{relative}: no cards"
    for line, item in universal:
        assert not isinstance(item, VCardError), f"{relative}:{line}: {item.message}"
        assert isinstance(item, ContactRecord)
        assert not item.is_empty(), f"{relative}:{line}: empty card"
    # The same cards whatever the line ends (CR CR LF in the iPhone file, LF, CRLF).
    as_written = _read_file(relative, newline="")
    assert [r for _l, r in as_written] == [r for _l, r in universal]


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_file_content(relative):
    if not (VCARDS / relative).is_file():
        pytest.fail(f"{relative} is missing")
    expected = EXPECTED[relative]
    found = [item for _line, item in _read_file(relative, newline=None)]
    assert len(found) == expected["cards"]
    for record, fields in zip(found, expected["records"], strict=False):
        for name, value in fields.items():
            if name == "notes~":
                assert value in record.notes, f"{relative}: notes {record.notes[:200]!r}"
            else:
                assert getattr(record, name) == value, f"{relative}: {name}"
    first = found[0]
    if "notes_end" in expected:
        assert first.notes.endswith(expected["notes_end"])
    if "phones_count" in expected:
        assert len(first.phones) == expected["phones_count"]


def test_card_line_numbers():
    assert VCARDS.is_dir(), f"the vCard test files are missing: {VCARDS}"
    android = "ez-vcard/src/test/resources/ezvcard/io/text/John_Doe_ANDROID.vcf"
    lines = [line for line, _r in _read_file(android, newline=None)]
    assert lines == [1, 6, 11, 18, 36, 71]


# --- Reader features -------------------------------------------------------------------------


def test_looks_like_vcard():
    assert looks_like_vcard("\ufeff\r\n  begin:vcard\r\nVERSION:3.0")
    assert looks_like_vcard("BEGIN:VCARD")
    assert not looks_like_vcard("Name,Email\r\nBEGIN:VCARD")
    assert not looks_like_vcard("")


def test_quoted_printable_windows_1251_with_soft_line_breaks():
    name_lines = qp("Петров;Иван;;д-р;".encode("cp1251"))
    note_lines = qp(("Първи ред\r\nВтори ред, " + "дълъг " * 20).encode("cp1251"))
    assert len(name_lines) > 1 and len(note_lines) > 2 and note_lines[0].endswith("=")
    text = card(
        "N;CHARSET=windows-1251;ENCODING=QUOTED-PRINTABLE:" + "\r\n".join(name_lines),
        "NOTE;CHARSET=WINDOWS-1251;QUOTED-PRINTABLE:" + "\r\n".join(note_lines),
        "TEL;WORK;VOICE:+359 2 123 4567",
        version="2.1",
    )
    record = one(text)
    assert (record.family_name, record.given_name, record.title) == ("Петров", "Иван", "д-р")
    assert record.notes == ("Първи ред\nВтори ред, " + "дълъг " * 20).strip()
    assert record.phones == ["+359 2 123 4567"]


def test_quoted_printable_soft_break_splitting_an_octet_and_blank_line_ending_it():
    # =C3=91 split across lines, a value ending in "=" then a blank line (Android)
    text = card(
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=91=20=C3=",
        "=91=",
        "",
        "ORG;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Caf=E9 M=FCller",
        "EMAIL:a@example.org",
        version="2.1",
    )
    record = one(text)
    assert record.full_name == "Ñ Ñ"
    assert record.organisation == "Café Müller"
    assert record.emails == ["a@example.org"]


def test_quoted_printable_without_charset():
    for expected, codec in (
        ("Иван Петров", "cp1251"),
        ("José Müller", "cp1252"),
        ("Σωκράτης", "utf-8"),
    ):
        encoded = "\r\n".join(qp(expected.encode(codec)))
        text = card(f"FN;ENCODING=QUOTED-PRINTABLE:{encoded}", version="2.1")
        assert one(text).full_name == expected


def test_quoted_printable_continuation_is_not_a_new_property():
    # The line after a soft break belongs to the value, even if it looks like a property.
    text = card(
        "LABEL;ENCODING=QUOTED-PRINTABLE:Street 1=0D=0A=",
        "NOTE: not a note",
        "FN:Ann Lee",
        version="2.1",
    )
    record = one(text)
    assert record.notes == ""
    assert record.full_name == "Ann Lee"


def test_folding():
    text = card(
        "FN:Anna Maria",
        " -Luisa",  # a space
        "NOTE:one ",
        "\ttwo",  # a tab
        "EMAIL;TYPE=INT",
        " ERNET:anna@examp",
        " le.org",
    )
    record = one(text)
    assert record.full_name == "Anna Maria-Luisa"
    assert record.notes == "one two"
    assert record.emails == ["anna@example.org"]


def test_folding_in_2_1_keeps_the_white_space():
    record = one(card("NOTE:one", " two", version="2.1"))
    assert record.notes == "one two"


def test_folded_line_that_reads_like_end_is_part_of_the_value():
    record = one(card("NOTE:The end:", " END:VCARD", "EMAIL:x@example.org"))
    assert record.notes == "The end:END:VCARD"
    assert record.emails == ["x@example.org"]


def test_groups():
    text = card(
        "FN:Group Test",
        "item1.EMAIL;type=INTERNET:one@example.org",
        "item1.X-ABLabel:_$!<Other>!$_",
        "item2.TEL:+1 555 0100",
        "item2.X-ABLabel:Assistant",
        "item3.ADR;type=HOME:;;1 Main St;Springfield;;12345;USA",
        "item4.URL:http\\://example.org",
    )
    record = one(text)
    assert record.emails == ["one@example.org"]
    assert record.phones == ["+1 555 0100"]
    assert (record.street, record.city, record.country) == ("1 Main St", "Springfield", "USA")
    assert record.website == "http://example.org"


def test_quoted_parameter_with_colons_and_semicolons():
    record = one(card('ADR;LABEL="1 Main St: Box 5; Town";TYPE=work:;;1 Main St;Town;;;', "FN:A"))
    assert (record.street, record.city) == ("1 Main St", "Town")


def test_escapes():
    text = card(
        "N:O\\;Brien\\, Jr.;Séan;;;",
        "FN:Séan O\\;Brien\\, Jr.",
        "NOTE:a\\nb\\Nc\\\\d\\,e\\;f C:\\temp",
        "ORG:Smith\\, Jones & Co.;R\\;D",
    )
    record = one(text)
    assert record.family_name == "O;Brien, Jr."
    assert record.full_name == "Séan O;Brien, Jr."
    assert record.notes == "a\nb\nc\\d,e;f C:\\temp"
    assert (record.organisation, record.department) == ("Smith, Jones & Co.", "R;D")


def test_type_parameters_of_each_version_and_preference():
    v21 = one(
        card(
            "FN:A",
            "TEL;HOME;VOICE:1",
            "TEL;WORK;VOICE;PREF:2",
            "EMAIL;INTERNET:a@example.org",
            "EMAIL;PREF;INTERNET:b@example.org",
            version="2.1",
        )
    )
    assert v21.phones == ["2", "1"]
    assert v21.emails == ["b@example.org", "a@example.org"]
    v30 = one(card("FN:A", "TEL;TYPE=home:1", "TEL;TYPE=work,pref:2", "TEL;type=CELL;type=pref:3"))
    assert v30.phones == ["2", "3", "1"]
    v40 = one(
        card(
            "FN:A",
            'TEL;VALUE=uri;TYPE="work,voice";PREF=2:tel:+1-555-0101',
            "TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+1-555-0102;ext=7",
            "TEL;TYPE=home:+1 555 0103",
            version="4.0",
        )
    )
    assert v40.phones == ["+1-555-0102 ext. 7", "+1-555-0101", "+1 555 0103"]


def test_preferred_address_else_the_first():
    first = one(card("FN:A", "ADR;TYPE=home:;;Home 1;Town;;;", "ADR;TYPE=work:;;Work 2;City;;;"))
    assert (first.street, first.city) == ("Home 1", "Town")
    assert "Address: Work 2, City" in first.extra
    pref = one(
        card("FN:A", "ADR;TYPE=home:;;Home 1;Town;;;", "ADR;TYPE=work;PREF=1:;;Work 2;City;;;")
    )
    assert (pref.street, pref.city) == ("Work 2", "City")


def test_embedded_photos_are_skipped():
    photo = "/9j/" + "A" * 300_000
    folded = [photo[i : i + 74] for i in range(0, len(photo), 74)]
    text = card(
        "FN:With Photo",
        "PHOTO;ENCODING=b;TYPE=JPEG:" + folded[0],
        *(" " + piece for piece in folded[1:]),
        "EMAIL:photo@example.org",
        # vCard 2.1: base64 lines not indented, the value ends with a blank line
        "LOGO;ENCODING=BASE64;TYPE=GIF:",
        "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "",
        "TEL:+1 555 0199",
    )
    record = one(text)
    assert record.full_name == "With Photo"
    assert record.emails == ["photo@example.org"]
    assert record.phones == ["+1 555 0199"]


def test_a_photo_larger_than_the_card_limit_is_not_an_error(monkeypatch):
    monkeypatch.setattr(vcard, "MAX_CARD_CHARS", 1000)
    photo = ["PHOTO;ENCODING=b;TYPE=JPEG:/9j/"] + [" " + "B" * 74] * 100
    assert one(card("FN:Big Photo", *photo, "NOTE:kept")).notes == "kept"


def test_oversized_card_is_an_error_and_the_next_card_is_read(monkeypatch):
    monkeypatch.setattr(vcard, "MAX_CARD_CHARS", 1000)
    big = card("FN:Too Big", "NOTE:" + "x" * 500, *([" " + "y" * 70] * 20), "EMAIL:big@example.org")
    text = big + card("FN:Next One")
    items = read(text)
    assert [line for line, _item in items] == [1, big.count("\r\n") + 1]
    error, record = items[0][1], items[1][1]
    assert isinstance(error, VCardError)
    assert error.line == 1
    assert "line 1" in error.message and "skipped" in error.message
    assert record.full_name == "Next One"


def test_oversized_card_without_end_is_reported_once(monkeypatch):
    monkeypatch.setattr(vcard, "MAX_CARD_CHARS", 100)
    items = read("BEGIN:VCARD\r\nNOTE:" + "x" * 200 + "\r\n")
    assert [(line, type(item)) for line, item in items] == [(1, VCardError)]


def test_real_limit_is_two_megabytes():
    assert vcard.MAX_CARD_CHARS == 2 * 1024 * 1024


def test_missing_end():
    items = read("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No End\r\n")
    ((line, error),) = items
    assert line == 1 and isinstance(error, VCardError) and error.line == 1
    assert error.message == "The card starting on line 1 has no END:VCARD."
    # Before the next card: that one is still read.
    items = read("BEGIN:VCARD\r\nFN:No End\r\n" + card("FN:Second"))
    assert [line for line, _i in items] == [1, 3]
    assert isinstance(items[0][1], VCardError)
    assert items[1][1].full_name == "Second"


def test_embedded_agent_card_in_2_1():
    text = card(
        "FN:Boss",
        "AGENT:",
        "BEGIN:VCARD",
        "VERSION:2.1",
        "FN:Assistant",
        "EMAIL:assistant@example.org",
        "END:VCARD",
        "EMAIL:boss@example.org",
        version="2.1",
    )
    record = one(text)
    assert record.full_name == "Boss"
    assert record.emails == ["boss@example.org"]


def test_kind_org_and_other_organisations():
    org = one(card("KIND:org", "FN:Bread for All", version="4.0"))
    assert org.kind == "organisation"
    assert org.organisation == "Bread for All"
    apple = one(card("N:;;;;", "FN:Acme", "ORG:Acme Ltd;", "X-ABShowAs:COMPANY"))
    assert (apple.kind, apple.organisation) == ("organisation", "Acme Ltd")
    only_org = one(card("ORG:Green Future;Board", "EMAIL:info@example.org"))
    assert (only_org.kind, only_org.organisation, only_org.department) == (
        "organisation",
        "Green Future",
        "Board",
    )
    same_name = one(card("FN:Green Future", "ORG:Green Future"))
    assert same_name.kind == "organisation"
    person = one(card("N:Lee;Ann;;;", "FN:Ann Lee", "ORG:Green Future"))
    assert person.kind == "person"
    assert person.organisation == "Green Future"


def test_names_from_fn_when_n_is_missing_or_empty():
    record = one(card("N:;;;;", "FN:Мария Иванова"))
    assert (record.given_name, record.family_name) == ("", "")
    assert record.full_name == "Мария Иванова"  # validation splits it


def test_dates_of_birth_as_written():
    assert one(card("FN:A", "BDAY:--0415", version="4.0")).date_of_birth == "--0415"
    assert one(card("FN:A", "BDAY:19960415", version="4.0")).date_of_birth == "19960415"
    assert one(card("FN:A", "BDAY;value=date:1996-04-15")).date_of_birth == "1996-04-15"


def test_web_addresses_and_social_profiles():
    record = one(
        card(
            "FN:A",
            "URL:https://www.linkedin.com/in/ann",
            "URL:https://ngo.example.org",
            "URL:https://facebook.com/ann",
            "URL:https://x.com/ann",
            "URL:https://blog.example.org",
            "X-SOCIALPROFILE;type=twitter:https://twitter.com/ann2",
            "IMPP:xmpp:ann@example.org",
            "X-SKYPE:ann.skype",
        )
    )
    assert record.linkedin == "https://www.linkedin.com/in/ann"
    assert record.facebook == "https://facebook.com/ann"
    assert record.x == "https://twitter.com/ann2"
    assert record.website == "https://ngo.example.org"
    assert "Website: https://blog.example.org" in record.extra
    assert "X: https://x.com/ann" in record.extra
    assert "Instant messaging: xmpp:ann@example.org" in record.extra
    assert not any("skype" in e for e in record.extra)


def test_other_fields():
    record = one(
        card(
            "N:Doe;Jane;Ann,Marie;Dr.;PhD",
            "FN:Dr. Jane Doe",
            "NICKNAME:Janie,JD",
            "TITLE:Director",
            "ROLE:Fundraising",
            "CATEGORIES:Donors,Board;Volunteers,donors",
            "NOTE:Line 1\\nLine 2",
            "X-UNKNOWN:ignored",
            "this line has no colon",
            "CHARSETLESS",
        )
    )
    assert record.middle_name == "Ann Marie"
    assert record.nickname == "Janie, JD"
    assert record.position == "Director"
    assert record.tags == ["Donors", "Board", "Volunteers"]
    assert record.notes == "Line 1\nLine 2"
    assert "Name suffix: PhD" in record.extra
    assert "Role: Fundraising" in record.extra
    assert not any("ignored" in e for e in record.extra)


def test_lowercase_names_bom_and_cr_cr_lf():
    lines = ["\ufeffbegin:vcard", "version:3.0", "fn:lower case", "note:a", " b", "end:vcard"]
    text = "".join(line + "\r\r\n" for line in lines)
    for newline in (None, ""):
        items = list(iter_records(io.StringIO(text, newline=newline)))
        ((_line, record),) = items
        assert record.full_name == "lower case"
        assert record.notes == "ab"


def test_text_between_cards_is_ignored_and_cards_stream():
    def lines():
        yield from card("FN:First").splitlines(keepends=True)
        yield "garbage between cards\r\n"
        yield from card("FN:Second").splitlines(keepends=True)
        raise AssertionError("read past what was asked for")

    items = iter_records(lines())
    assert next(items)[1].full_name == "First"  # yielded before the rest is read
    assert next(items)[1].full_name == "Second"


def test_empty_card_is_a_record():
    ((_line, record),) = read(card())
    assert isinstance(record, ContactRecord) and record.is_empty()


# --- Writer ----------------------------------------------------------------------------------

LONG_NOTE = (
    "Среща в София; обсъдихме проекта, бюджета и графика.\n"
    "Ο Σωκράτης θα изпрати договора; deadline: 15.04, 12:00.\n"
    "C:\\path\\to\\file — " + "многоезичен текст, " * 12
).strip()


def _person() -> ContactRecord:
    return ContactRecord(
        given_name="Иван",
        middle_name="Σωκράτης",
        family_name="Петров-Παπαδόπουλος",
        title="д-р",
        nickname="Ванко, Vanko",
        emails=["ivan@example.bg", "ivan.petrov@example.org"],
        phones=["+359888123456", "02 / 987 65 43"],
        organisation="Сдружение „Зелено; бъдеще“, клон",
        department="Проекти; Фондове",
        position="Директор, програми",
        street="ул. „Шипка“ 6, ет. 3",
        city="София",
        region="София-град",
        postal_code="1504",
        country="България",
        date_of_birth="1980-03-22",
        website="https://ngo.example.bg/about?a=1,2;b",
        linkedin="https://www.linkedin.com/in/ivan-petrov",
        facebook="https://www.facebook.com/ivan.petrov",
        x="https://x.com/ivanpetrov",
        notes=LONG_NOTE,
        tags=["Дарители", "Board"],
    )


FIELDS = (
    "kind",
    "given_name",
    "middle_name",
    "family_name",
    "title",
    "nickname",
    "emails",
    "phones",
    "organisation",
    "department",
    "position",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "website",
    "linkedin",
    "facebook",
    "x",
    "notes",
    "tags",
)


def _physical_lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    lines = text[:-2].split("\r\n")
    assert not any("\n" in line or "\r" in line for line in lines)
    return lines


@pytest.mark.parametrize("version", ["4.0", "3.0"])
def test_round_trip(version):
    person = _person()
    text = card_text(person, version, uid="urn:uuid:3f0c8a9e-1b2c-4d5e-8f90-123456789abc")
    back = one(text)
    for name in FIELDS:
        assert getattr(back, name) == getattr(person, name), name
    assert back.date_of_birth in ("1980-03-22", "19800322")
    assert back.full_name == "д-р Иван Σωκράτης Петров-Παπαδόπουλος"
    assert back.extra == []
    lines = _physical_lines(text)
    assert lines[:2] == ["BEGIN:VCARD", f"VERSION:{version}"]
    assert lines[-1] == "END:VCARD"
    assert "UID:urn:uuid:3f0c8a9e-1b2c-4d5e-8f90-123456789abc" in lines
    assert any(line.startswith(" ") for line in lines), "the long note is folded"
    for line in lines:
        assert len(line.encode("utf-8")) <= 75, line


def test_writer_escaping_and_parameters():
    person = ContactRecord(
        given_name="Ann",
        family_name="Lee, Jr.; II",
        emails=["a@example.org", "b@example.org"],
        phones=["+1 555 0100", "ext 5"],
        notes="one\ntwo\\three",
        tags=["a", "b"],
        date_of_birth="--04-15",
    )
    v4 = card_text(person, "4.0").split("\r\n")
    assert "N:Lee\\, Jr.\\; II;Ann;;;" in v4
    assert "FN:Ann Lee\\, Jr.\\; II" in v4
    assert "EMAIL;PREF=1:a@example.org" in v4 and "EMAIL:b@example.org" in v4
    assert "TEL;VALUE=uri;PREF=1:tel:+1-555-0100" in v4
    assert "TEL:ext 5" in v4
    assert "NOTE:one\\ntwo\\\\three" in v4
    assert "CATEGORIES:a,b" in v4
    assert "BDAY:--0415" in v4
    v3 = card_text(person, "3.0").split("\r\n")
    assert "EMAIL;TYPE=INTERNET,PREF:a@example.org" in v3
    assert "TEL;TYPE=VOICE,PREF:+1 555 0100" in v3
    assert "BDAY:--04-15" in v3
    with pytest.raises(ValueError):
        card_text(person, "2.1")


def test_writer_dates_of_birth_in_4_0():
    def bday(text: str) -> str:
        lines = card_text(ContactRecord(full_name="A", date_of_birth=text), "4.0").split("\r\n")
        return next(line for line in lines if line.startswith("BDAY"))

    assert bday("1985-04-15") == "BDAY:19850415"
    assert bday("19850415") == "BDAY:19850415"
    assert bday("--0415") == "BDAY:--0415"
    assert bday("spring 1985") == "BDAY;VALUE=text:spring 1985"


@pytest.mark.parametrize("version", ["4.0", "3.0"])
def test_writer_organisation(version):
    org = ContactRecord(
        kind="organisation",
        organisation="Фондация „Отворено общество“",
        department="Програми",
        emails=["office@example.bg"],
    )
    text = card_text(org, version)
    lines = _physical_lines(text)
    assert ("KIND:org" in lines) == (version == "4.0")
    assert "N:;;;;" in lines
    assert "FN:Фондация „Отворено общество“" in lines
    back = one(text)
    assert back.kind == "organisation"
    assert (back.organisation, back.department) == (org.organisation, org.department)
    assert back.emails == org.emails


def test_fold_never_splits_a_character():
    line = "NOTE:" + "ж" * 100 + "😀" * 30 + "a" * 80
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 3
    for i, piece in enumerate(pieces):
        assert len(piece.encode("utf-8")) <= 75
        if i:
            assert piece.startswith(" ")
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line
    assert fold("short") == "short"
    exactly = "X" * 75
    assert fold(exactly) == exactly
    assert fold(exactly + "Y") == exactly + "\r\n Y"


NOTE_TEXT = st.text(
    alphabet=st.sampled_from(list('aZ09 \t\n,;:\\"=^жЖΣωéß😀—')), min_size=0, max_size=400
)


@settings(max_examples=150, deadline=None)
@given(note=NOTE_TEXT, version=st.sampled_from(["4.0", "3.0"]))
def test_notes_round_trip_whatever_they_hold(note, version):
    back = one(card_text(ContactRecord(full_name="N", notes=note), version))
    assert back.notes == note.strip()
