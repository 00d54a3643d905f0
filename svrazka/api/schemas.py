"""What the API accepts and returns.

Inputs forbid unknown fields and wrong types (422). Lengths, choices, identifiers and the
like are checked by the services' ``full_clean`` so the rules live in one place; the schemas
only make sure the services get values of the right shape.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Strict

from svrazka.contacts.selectors import ORGANISATION_SORTS, PERSON_SORTS

# Ids are 64-bit integers in the database; anything outside is refused before a query runs.
MAX_ID = 2**63 - 1
MAX_OFFSET = 10**9
MAX_QUERY_LENGTH = 200


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters; refuse them as bad input, not a server error.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


def _iso_date_only(value):
    # Pydantic would read numbers as Unix timestamps; the API speaks ISO 8601 dates.
    if isinstance(value, int | float):
        raise ValueError("Use an ISO 8601 date, YYYY-MM-DD")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
OrganisationSort = Literal[tuple(ORGANISATION_SORTS)]
PersonSort = Literal[tuple(PERSON_SORTS)]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# --- shared output pieces -------------------------------------------------------------------


class Message(Schema):
    detail: str


class Conflict(Schema):
    detail: str
    current_version: int


class FieldError(Schema):
    loc: list[str | int]
    msg: str


class Invalid(Schema):
    detail: list[FieldError]


class NamedRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.full_name


WRITE_ERRORS = {403: Message, 404: Message, 409: Conflict, 422: Invalid}


# --- list parameters ------------------------------------------------------------------------


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200, description="Page size, 1–200.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")


class ListParams(PageParams):
    q: Text = Field("", max_length=MAX_QUERY_LENGTH, description="Search text.")


class OrganisationFilters(ListParams):
    q: Text = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="Name, short name, EIK, PIC, VAT, email or city; Cyrillic or Latin.",
    )
    kind: Text = Field("", max_length=20, description="Organisation type, e.g. ngo.")
    country: Text = Field("", max_length=2, description="ISO 3166 country code, e.g. BG.")
    cause: QueryId | None = Field(None, description="Cause id.")
    tag: QueryId | None = Field(None, description="Tag id.")
    unverified_months: int | None = Field(
        None, ge=0, le=1200, description="Not verified for this many months (or never)."
    )
    sort: OrganisationSort = "name"


class PersonFilters(ListParams):
    q: Text = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="Names, other spelling, email or phone; Cyrillic or Latin.",
    )
    country: Text = Field("", max_length=2, description="ISO 3166 country code, e.g. BG.")
    cause: QueryId | None = Field(None, description="Cause id.")
    tag: QueryId | None = Field(None, description="Tag id.")
    organisation: QueryId | None = Field(None, description="Affiliated with this organisation.")
    sort: PersonSort = "name"


class AffiliationFilters(PageParams):
    person: QueryId | None = Field(None, description="Person id.")
    organisation: QueryId | None = Field(None, description="Organisation id.")


class NameFilters(ListParams):
    q: Text = Field(
        "", max_length=MAX_QUERY_LENGTH, description="Text anywhere in the name, any case."
    )


class Page(Schema):
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


# --- tags and causes ------------------------------------------------------------------------


class NameIn(Input):
    name: Text


class TagOut(NamedRef):
    pass


class CauseOut(NamedRef):
    pass


class TagPage(Page):
    items: list[TagOut]


class CausePage(Page):
    items: list[CauseOut]


# --- organisations --------------------------------------------------------------------------


class OrganisationIn(Input):
    name: Text
    short_name: Text | None = None
    kind: Text | None = Field(None, description="ngo, company, public_body, media, …")
    eik: Text | None = Field(None, description="Bulgarian EIK/BULSTAT.")
    pic: Text | None = Field(None, description="EU Participant Identification Code.")
    oid: Text | None = Field(None, description="Erasmus+ Organisation ID.")
    vat: Text | None = None
    email: Text | None = None
    phone: Text | None = None
    website: Text | None = None
    linkedin: Text | None = None
    facebook: Text | None = None
    x: Text | None = None
    country: Text | None = Field(None, description="ISO 3166 country code, e.g. BG.")
    city: Text | None = None
    address: Text | None = None
    languages: list[Text] | None = Field(None, description="ISO 639-1 codes, e.g. bg, en.")
    where_found: Text | None = None
    where_found_note: Text | None = None
    last_verified: IsoDate | None = None
    notes: Text | None = None
    causes: list[Id] | None = Field(None, description="Cause ids.")
    tags: list[Id] | None = Field(None, description="Tag ids.")


class OrganisationPatch(OrganisationIn):
    name: Text | None = None
    version: Annotated[int, Strict()] | None = Field(
        None, description="The version you started from; a stale one gives 409."
    )


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    eik: str
    pic: str
    oid: str
    vat: str
    email: str
    phone: str
    website: str
    linkedin: str
    facebook: str
    x: str
    country: str
    city: str
    address: str
    languages: list[str]
    where_found: str
    where_found_note: str
    last_verified: date | None
    notes: str
    causes: list[NamedRef]
    tags: list[NamedRef]
    version: int
    created_at: datetime
    updated_at: datetime


class OrganisationPage(Page):
    items: list[OrganisationOut]


# --- people ---------------------------------------------------------------------------------


class PersonIn(Input):
    given_name: Text
    middle_name: Text | None = None
    family_name: Text | None = None
    other_spelling: Text | None = Field(None, description="E.g. the Latin spelling.")
    title: Text | None = None
    date_of_birth: IsoDate | None = None
    street: Text | None = None
    city: Text | None = None
    postal_code: Text | None = None
    country: Text | None = Field(None, description="ISO 3166 country code, e.g. BG.")
    languages: list[Text] | None = Field(None, description="ISO 639-1 codes, e.g. bg, en.")
    preferred_channel: Text | None = Field(None, description="email, phone, meeting, …")
    website: Text | None = None
    linkedin: Text | None = None
    facebook: Text | None = None
    x: Text | None = None
    where_found: Text | None = None
    where_found_note: Text | None = None
    consent: Text | None = Field(None, description="unknown, given or withdrawn.")
    consent_source: Text | None = None
    consent_date: IsoDate | None = None
    notes: Text | None = None
    emails: list[Text] | None = Field(None, description="Replaces all the person's emails.")
    phones: list[Text] | None = Field(
        None, description="Replaces all the person's phones; stored in E.164."
    )
    causes: list[Id] | None = Field(None, description="Cause ids.")
    tags: list[Id] | None = Field(None, description="Tag ids.")


class PersonPatch(PersonIn):
    given_name: Text | None = None
    version: Annotated[int, Strict()] | None = Field(
        None, description="The version you started from; a stale one gives 409."
    )


class PersonAffiliationOut(Schema):
    id: int
    organisation: NamedRef
    position: str
    start_date: date | None
    end_date: date | None


class PersonOut(Schema):
    id: int
    full_name: str
    given_name: str
    middle_name: str
    family_name: str
    other_spelling: str
    title: str
    date_of_birth: date | None
    street: str
    city: str
    postal_code: str
    country: str
    languages: list[str]
    preferred_channel: str
    website: str
    linkedin: str
    facebook: str
    x: str
    where_found: str
    where_found_note: str
    consent: str
    consent_source: str
    consent_date: date | None
    notes: str
    emails: list[str]
    phones: list[str] = Field(description="E.164, e.g. +359888123456.")
    causes: list[NamedRef]
    tags: list[NamedRef]
    affiliations: list[PersonAffiliationOut]
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_emails(obj) -> list[str]:
        return [e.email for e in obj.emails.all()]

    @staticmethod
    def resolve_phones(obj) -> list[str]:
        return [p.number for p in obj.phones.all()]


class PersonPage(Page):
    items: list[PersonOut]


# --- affiliations ---------------------------------------------------------------------------


class AffiliationIn(Input):
    person: Id
    organisation: Id
    position: Text | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None


class AffiliationPatch(Input):
    organisation: Id | None = None
    position: Text | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    version: Annotated[int, Strict()] | None = Field(
        None, description="The version you started from; a stale one gives 409."
    )


class AffiliationOut(Schema):
    id: int
    person: PersonRef
    organisation: NamedRef
    position: str
    start_date: date | None
    end_date: date | None
    version: int
    created_at: datetime


class AffiliationPage(Page):
    items: list[AffiliationOut]
