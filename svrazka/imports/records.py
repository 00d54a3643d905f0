"""What every reader (CSV layouts, XLSX, vCard) turns a row or card into, before validation.

Readers only copy what the file says, as text: validation (emails, phones, dates, lengths) and
turning names of countries into codes happen later, in `svrazka.imports.validation`, so that every
format gets the same messages.
"""

from dataclasses import dataclass, field


@dataclass
class ContactRecord:
    # "person" or "organisation" (a vCard with KIND:org, or ORG and no name)
    kind: str = "person"
    # Names as written. full_name is used only when given/family are both missing.
    full_name: str = ""
    given_name: str = ""
    middle_name: str = ""
    family_name: str = ""
    title: str = ""  # prefix such as "Dr." or "д-р"
    nickname: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    # Where the person works (becomes an affiliation), or the organisation's own name.
    organisation: str = ""
    department: str = ""
    position: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""  # a name ("Bulgaria", "България") or an ISO code, as the file has it
    date_of_birth: str = ""  # raw text; "--0415" (no year) and "1604-04-15" (Outlook) occur
    website: str = ""
    linkedin: str = ""
    facebook: str = ""
    x: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    # Anything else worth keeping that has no field of its own ("Connected On: 12 Mar 2021").
    extra: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(
            (
                self.full_name,
                self.given_name,
                self.family_name,
                self.emails,
                self.phones,
                self.organisation,
            )
        )
