"""EU research projects as a partner source: the CORDIS open-data exports, imported as published.

CORDIS publishes two semicolon-separated, quoted files per framework programme:
- project.csv: id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;legalBasis;
  topics;frameworkProgramme;masterCall;subCall;fundingScheme;nature;objective;contentUpdateDate;
  rcn;grantDoi
- organization.csv: projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;
  activityType;street;postCode;city;country;nutsCode;geolocation;organizationURL;contactForm;
  order;role;ecContribution;netEcContribution;totalCost;endOfParticipation;active

Older exports name a few columns differently (the organisation's "id", the project's
"programme" and "call"); those names are accepted too.

Organisations are keyed by their organisationID (the PIC) and merged with the workspace's
organisations of the same PIC; projects become joint projects (source "cordis", keyed by the
CORDIS project id, so a re-import updates them) linking their participants.

Both files are read and checked whole before anything is written; any problem (wrong separator,
missing columns, a malformed row) is reported with its line, and nothing is stored.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from svrazka.contacts.models import Organisation, OrganisationToken, OrganisationType, WhereFound
from svrazka.lib import translit
from svrazka.lib.countries import COUNTRIES
from svrazka.network import graph
from svrazka.partnerships.models import JointProject, ProjectParticipant

PROJECT_COLUMNS = (
    "id acronym status title startDate endDate totalCost ecMaxContribution legalBasis topics "
    "frameworkProgramme masterCall subCall fundingScheme nature objective contentUpdateDate rcn "
    "grantDoi"
).split()
ORGANISATION_COLUMNS = (
    "projectID projectAcronym organisationID vatNumber name shortName SME activityType street "
    "postCode city country nutsCode geolocation organizationURL contactForm order role "
    "ecContribution netEcContribution totalCost endOfParticipation active"
).split()
# What a file must have for us to use it; the other columns may be missing.
PROJECT_REQUIRED = ("id", "title", "startDate")
ORGANISATION_REQUIRED = ("projectID", "organisationID", "role")
# Column names of older CORDIS exports -> today's names.
PROJECT_ALIASES = {"programme": "legalBasis", "call": "masterCall"}
ORGANISATION_ALIASES = {"id": "organisationID", "organizationUrl": "organizationURL"}

ACTIVITY_TYPES = {
    "HES": OrganisationType.EDUCATION,
    "PUB": OrganisationType.PUBLIC_BODY,
    "PRC": OrganisationType.COMPANY,
    "REC": OrganisationType.OTHER,
    "OTH": OrganisationType.OTHER,
}
ROLES = {
    "coordinator": ProjectParticipant.Role.COORDINATOR,
    "participant": ProjectParticipant.Role.PARTICIPANT,
    "partner": ProjectParticipant.Role.PARTNER,
    "thirdparty": ProjectParticipant.Role.THIRD_PARTY,
    "associatedpartner": ProjectParticipant.Role.ASSOCIATED,
    "associated": ProjectParticipant.Role.ASSOCIATED,
}
# CORDIS writes the EU's own codes for Greece and the United Kingdom.
COUNTRY_CODES = {"EL": "GR", "UK": "GB"}
KNOWN_COUNTRIES = {code for code, _name in COUNTRIES}
PIC = re.compile(r"\d{9}")
MAX_PROBLEMS = 50
MAX_FIELD = 1_000_000  # characters in one field (objectives are long, never this long)
BATCH = 2000
csv.field_size_limit(MAX_FIELD)


class CordisError(Exception):
    """The files cannot be imported; `problems` says why, line by line. Nothing was stored."""

    def __init__(self, problems: list[str], total: int | None = None):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__("\n".join(problems))


@dataclass
class Report:
    projects_created: int = 0
    projects_updated: int = 0
    organisations_created: int = 0
    organisations_matched: int = 0
    participations: int = 0
    duplicate_rows: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Project:
    external_id: str
    acronym: str
    title: str
    start: date | None
    end: date | None
    status: str
    budget: Decimal | None
    programme: str
    topics: str
    objective: str


@dataclass
class _Organisation:
    pic: str
    name: str
    short_name: str
    kind: str
    country: str
    city: str
    address: str
    vat: str
    website: str


@dataclass
class _Participation:
    project: str
    pic: str
    role: str
    contribution: Decimal | None


class _Problems:
    def __init__(self, filename: str):
        self.filename = filename
        self.items: list[str] = []
        self.total = 0

    def add(self, line: int | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            where = (
                _("%(file)s, line %(line)s") % {"file": self.filename, "line": line}
                if line
                else self.filename
            )
            self.items.append(f"{where}: {message}")


def _rows(path: Path, problems: _Problems, columns, required, aliases) -> Iterator[tuple]:
    """(line number, {column: value}) for each row, or nothing if the file can't be read."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as e:
        problems.add(None, _("cannot be opened (%(error)s).") % {"error": e.strerror or e})
        return
    with handle:
        try:
            head = handle.readline()
        except UnicodeDecodeError:
            problems.add(1, _("the file is not UTF-8 text, as CORDIS publishes it."))
            return
        if not head.strip():
            problems.add(None, _("the file is empty."))
            return
        if ";" not in head:
            separator = next((s for s in (",", "\t", "|") if s in head), None)
            if separator:
                problems.add(
                    1,
                    _(
                        "the columns are separated by “%(found)s”, not by semicolons (;) "
                        "as CORDIS publishes them."
                    )
                    % {"found": "TAB" if separator == "\t" else separator},
                )
            else:
                problems.add(1, _("this is not a CORDIS file: no semicolon-separated header."))
            return
        header = next(csv.reader([head], delimiter=";", quotechar='"'))
        known = {c.casefold(): c for c in columns}
        known.update({a.casefold(): c for a, c in aliases.items()})
        names = [known.get(h.strip().casefold(), "") for h in header]
        missing = [c for c in required if c not in names]
        if missing:
            problems.add(
                1,
                _("required columns are missing: %(columns)s. Is this the right file?")
                % {"columns": ", ".join(missing)},
            )
            return
        reader = csv.reader(handle, delimiter=";", quotechar='"')
        width = len(header)
        line, read = 1, 0
        try:
            for fields in reader:
                # A quoted field may span lines (objectives do): name the line the row starts on.
                line, read = read + 2, reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if len(fields) != width:
                    problems.add(
                        line,
                        _("%(found)s fields where the header has %(expected)s.")
                        % {"found": len(fields), "expected": width},
                    )
                    continue
                yield line, {n: v.strip() for n, v in zip(names, fields, strict=True) if n}
        except UnicodeDecodeError:
            problems.add(line + 1, _("the file is not UTF-8 text, as CORDIS publishes it."))
        except csv.Error as e:
            problems.add(line + 1, _("the row cannot be read (%(error)s).") % {"error": e})


# How spreadsheets and R write "no value".
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})


def _date(value: str) -> date | None:
    value = value.strip()[:10]
    if value.casefold() in MISSING:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def _amount(value: str) -> Decimal | None:
    value = value.strip().replace(" ", "")
    if value.casefold() in MISSING:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise InvalidOperation(value)
    return amount.quantize(Decimal("0.01"))


def _country(value: str) -> str:
    code = COUNTRY_CODES.get(value.strip().upper(), value.strip().upper())
    return code if code in KNOWN_COUNTRIES else ""


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def read_projects(path: Path, problems: _Problems, report: Report) -> dict[str, _Project]:
    projects: dict[str, _Project] = {}
    today = timezone.localdate()
    for line, row in _rows(path, problems, PROJECT_COLUMNS, PROJECT_REQUIRED, PROJECT_ALIASES):
        pid = row.get("id", "")
        if not pid:
            problems.add(line, _("the project has no id."))
            continue
        if pid in projects:
            report.duplicate_rows += 1
            continue
        title = row.get("title", "") or row.get("acronym", "")
        if not title:
            problems.add(
                line, _("project %(id)s has neither a title nor an acronym.") % {"id": pid}
            )
            continue
        try:
            start = _date(row.get("startDate", ""))
            end = _date(row.get("endDate", ""))
        except ValueError as e:
            problems.add(line, _("“%(value)s” is not a date.") % {"value": e.args[0]})
            continue
        if start and end and end < start:
            problems.add(line, _("project %(id)s ends before it starts.") % {"id": pid})
            continue
        try:
            budget = _amount(row.get("totalCost", ""))
        except (InvalidOperation, ValueError):
            problems.add(
                line, _("“%(value)s” is not an amount.") % {"value": row.get("totalCost", "")}
            )
            continue
        codes = []
        for column in ("topics", "legalBasis", "frameworkProgramme", "masterCall", "subCall"):
            for code in re.split(r"[;,]", row.get(column, "")):
                code = code.strip()
                if code and code not in codes:
                    codes.append(code)
        topics = ""
        for code in codes:
            if len(topics) + len(code) + 1 > 500:
                break
            topics = f"{topics};{code}" if topics else code
        status = (row.get("status") or "").upper()
        finished = status in {"CLOSED", "TERMINATED"} or (end is not None and end < today)
        projects[pid] = _Project(
            external_id=_cut(pid, 40),
            acronym=_cut(row.get("acronym", ""), 60),
            title=_cut(title, 300),
            start=start,
            end=end,
            status=JointProject.Status.COMPLETED if finished else JointProject.Status.RUNNING,
            budget=budget,
            programme=_cut(row.get("frameworkProgramme", "") or "CORDIS", 150),
            topics=topics,
            objective=_cut(row.get("objective", ""), 20000),
        )
    return projects


def read_organisations(
    path: Path, problems: _Problems, report: Report, projects: dict[str, _Project]
) -> tuple[dict[str, _Organisation], list[_Participation], dict[str, int]]:
    """The organisations by PIC, the participations, and the projects they name that are not in
    the projects file (with the first line naming each), to be looked up in the workspace."""
    organisations: dict[str, _Organisation] = {}
    participations: list[_Participation] = []
    elsewhere: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for line, row in _rows(
        path, problems, ORGANISATION_COLUMNS, ORGANISATION_REQUIRED, ORGANISATION_ALIASES
    ):
        project, pic = row.get("projectID", ""), row.get("organisationID", "")
        if not project:
            problems.add(line, _("the row names no project (projectID)."))
            continue
        if not PIC.fullmatch(pic):
            problems.add(
                line,
                _("“%(value)s” is not an organisationID (a PIC has 9 digits).") % {"value": pic},
            )
            continue
        if (project, pic) in seen:
            report.duplicate_rows += 1
            continue
        seen.add((project, pic))
        try:
            contribution = _amount(row.get("ecContribution", ""))
        except (InvalidOperation, ValueError):
            problems.add(
                line,
                _("“%(value)s” is not an amount.") % {"value": row.get("ecContribution", "")},
            )
            continue
        if project not in projects:
            elsewhere.setdefault(project, line)
        role = ROLES.get(
            row.get("role", "").replace(" ", "").replace("_", "").casefold(),
            ProjectParticipant.Role.OTHER,
        )
        participations.append(_Participation(project, pic, role, contribution))
        if pic not in organisations:
            organisations[pic] = _organisation(pic, row)
    return organisations, participations, elsewhere


def _organisation(pic: str, row: dict) -> _Organisation:
    name, short = row.get("name", ""), row.get("shortName", "")
    city = row.get("city", "")
    vat = re.sub(r"\s", "", row.get("vatNumber", "")).upper()
    website = row.get("organizationURL", "")
    street = " ".join(v for v in (row.get("street"), row.get("postCode")) if v)
    return _Organisation(
        pic=pic,
        name=_cut(name or short or f"PIC {pic}", 300),
        short_name=_cut(short, 100),
        kind=ACTIVITY_TYPES.get(row.get("activityType", "").upper(), OrganisationType.OTHER),
        country=_country(row.get("country", "")),
        city=_cut(city.title() if city.isupper() else city, 100),
        address=_cut(street, 300),
        vat=vat if len(vat) <= 16 and vat.isalnum() and vat != "MISSING" else "",
        website=website
        if website.startswith(("http://", "https://")) and len(website) <= 300
        else "",
    )


def import_cordis(
    *, workspace, projects_path: Path | str, organizations_path: Path | str, actor=None
) -> Report:
    """Import the two CORDIS files into the workspace, all or nothing (CordisError)."""
    projects_path, organizations_path = Path(projects_path), Path(organizations_path)
    report = Report()
    problems = _Problems(projects_path.name)
    projects = read_projects(projects_path, problems, report)
    org_problems = _Problems(organizations_path.name)
    organisations, participations, elsewhere = read_organisations(
        organizations_path, org_problems, report, projects
    )
    if elsewhere and not problems.total:
        known: set[str] = set()
        for part in _chunks(list(elsewhere)):
            known.update(
                JointProject.objects.filter(
                    workspace=workspace, source=JointProject.Source.CORDIS, external_id__in=part
                ).values_list("external_id", flat=True)
            )
        for project, line in sorted(elsewhere.items(), key=lambda item: item[1]):
            if project not in known:
                org_problems.add(
                    line,
                    _("project %(id)s is neither in the projects file nor in the workspace.")
                    % {"id": project},
                )
    if problems.total or org_problems.total:
        raise CordisError(problems.items + org_problems.items, problems.total + org_problems.total)
    if not projects and not participations:
        raise CordisError([_("The files hold no projects and no participants.")])
    note = f"CORDIS: {projects_path.name}, {organizations_path.name}"
    with transaction.atomic():
        _store(workspace, actor, projects, organisations, participations, report, note)
        # Bulk writes send no signals: say once that the network changed.
        transaction.on_commit(lambda: graph.changed(workspace.pk))
    return report


def _tokens(org) -> set[str]:
    return translit.tokens(org.name, org.short_name, org.pic, org.vat, org.city)


def _chunks(items: list, n: int = 900) -> Iterator[list]:
    for start in range(0, len(items), n):
        yield items[start : start + n]


def _store(workspace, actor, projects, organisations, participations, report, source_note) -> None:
    ws = workspace.pk
    # Organisations: the workspace's own of the same PIC are kept, their blanks filled in.
    existing: dict[str, Organisation] = {}
    for part in _chunks(list(organisations)):
        for org in Organisation.objects.filter(workspace_id=ws, pic__in=part).order_by("id"):
            existing.setdefault(org.pic, org)
    fill = ("country", "city", "address", "vat", "website", "short_name")
    for pic, org in existing.items():
        new = organisations[pic]
        changed = [f for f in fill if not getattr(org, f) and getattr(new, f)]
        for f in changed:
            setattr(org, f, getattr(new, f))
        if org.name == f"PIC {pic}" and new.name != org.name:
            org.name, org.sort_key = new.name, translit.sort_key(new.name)
            changed += ["name", "sort_key"]
            OrganisationToken.objects.filter(organisation=org).delete()
            OrganisationToken.objects.bulk_create(
                OrganisationToken(workspace_id=ws, organisation=org, token=t, sort_key=org.sort_key)
                for t in sorted(_tokens(org))
            )
        if changed:
            org.version += 1
            org.save(update_fields=[*changed, "version", "updated_at"])
    report.organisations_matched = len(existing)
    fresh = [
        Organisation(
            workspace_id=ws,
            created_by=actor,
            name=o.name,
            short_name=o.short_name,
            kind=o.kind,
            pic=o.pic,
            vat=o.vat,
            country=o.country,
            city=o.city,
            address=o.address,
            website=o.website,
            where_found=WhereFound.PREVIOUS_PROJECT,
            where_found_note=source_note[:200],
            sort_key=translit.sort_key(o.name),
        )
        for pic, o in organisations.items()
        if pic not in existing
    ]
    created = Organisation.objects.bulk_create(fresh, batch_size=BATCH)
    report.organisations_created = len(created)
    OrganisationToken.objects.bulk_create(
        (
            OrganisationToken(workspace_id=ws, organisation_id=o.pk, token=t, sort_key=o.sort_key)
            for o in created
            for t in sorted(_tokens(o))
        ),
        batch_size=BATCH,
    )
    org_ids = {o.pic: o.pk for o in existing.values()} | {o.pic: o.pk for o in created}

    # Projects: keyed by the CORDIS id; a re-import updates them and their participants.
    stored: dict[str, JointProject] = {}
    all_ids = list(projects) + list({p.project for p in participations} - set(projects))
    for part in _chunks(all_ids):
        for project in JointProject.objects.filter(
            workspace_id=ws, source=JointProject.Source.CORDIS, external_id__in=part
        ):
            stored[project.external_id] = project
    updated = []
    for pid, p in projects.items():
        project = stored.get(pid)
        if project is None:
            continue
        for name, value in _project_fields(p).items():
            setattr(project, name, value)
        updated.append(project)
    if updated:
        JointProject.objects.bulk_update(updated, list(PROJECT_FIELDS), batch_size=BATCH)
    report.projects_updated = len(updated)
    new_projects = [
        JointProject(
            workspace_id=ws, source=JointProject.Source.CORDIS, currency="EUR", **_project_fields(p)
        )
        for pid, p in projects.items()
        if pid not in stored
    ]
    for project in JointProject.objects.bulk_create(new_projects, batch_size=BATCH):
        stored[project.external_id] = project
    report.projects_created = len(new_projects)
    touched = [stored[pid].pk for pid in {p.project for p in participations}]
    for part in _chunks(touched):
        ProjectParticipant.objects.filter(workspace_id=ws, project_id__in=part).delete()
    ProjectParticipant.objects.bulk_create(
        (
            ProjectParticipant(
                workspace_id=ws,
                project_id=stored[p.project].pk,
                organisation_id=org_ids[p.pic],
                role=p.role,
                contribution=p.contribution,
            )
            for p in participations
        ),
        batch_size=BATCH,
    )
    report.participations = len(participations)


PROJECT_FIELDS = (
    "external_id acronym title start_date end_date status budget programme topics objective"
).split()


def _project_fields(p: _Project) -> dict:
    return {
        "external_id": p.external_id,
        "acronym": p.acronym,
        "title": p.title,
        "start_date": p.start,
        "end_date": p.end,
        "status": p.status,
        "budget": p.budget,
        "programme": p.programme,
        "topics": p.topics,
        "objective": p.objective,
    }
