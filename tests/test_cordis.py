"""CORDIS open data as a partner source: project.csv and organization.csv imported as published,
organisations merged by PIC, projects as joint projects linking their participants; malformed
files refused whole."""

import csv
import gzip
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from svrazka.contacts.models import Organisation, OrganisationToken
from svrazka.network.cordis import CordisError, import_cordis
from svrazka.partnerships.models import JointProject, ProjectParticipant
from tests.factories import make_organisation

PROJECT_HEADER = (
    "id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;legalBasis;topics;"
    "frameworkProgramme;masterCall;subCall;fundingScheme;nature;objective;contentUpdateDate;rcn;"
    "grantDoi"
)
ORGANISATION_HEADER = (
    "projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;activityType;street;"
    "postCode;city;country;nutsCode;geolocation;organizationURL;contactForm;order;role;"
    "ecContribution;netEcContribution;totalCost;endOfParticipation;active"
)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cordis-h2020"


def project_row(pid, acronym, title, start, end, topics="H2020-SC5-2018-1", legal="H2020-EU.3.5."):
    objective = 'Cities; water\nand "green" roofs'
    fields = [
        pid, acronym, "CLOSED", title, start, end, "1000000", "900000", legal, topics, "H2020",
        "H2020-SC5-2018", "", "RIA", "", objective, "2021-01-01 10:00:00", "1" + pid, "",
    ]  # fmt: skip
    return fields


def org_row(pid, pic, name, role, country="BG", activity="REC", contribution="1000,5"):
    return [
        pid, "ACR", pic, "BG123456789", name, "", "false", activity, "1 Main St", "1000",
        "SOFIA", country, "BG411", "", "https://example.org", "", "1", role, contribution,
        contribution, contribution, "false", "true",
    ]  # fmt: skip


def write(path: Path, header: str, rows: list[list[str]], delimiter=";") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(header.replace(";", delimiter) + "\n")
        w = csv.writer(f, delimiter=delimiter, quotechar='"', quoting=csv.QUOTE_ALL)
        w.writerows(rows)
    return path


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def files(tmp_path):
    projects = write(
        tmp_path / "project.csv",
        PROJECT_HEADER,
        [
            project_row("101", "WATER", "Green roofs for cities", "2016-01-01", "2018-12-31"),
            project_row("102", "AIR", "Clean air in schools", "2019-03-01", "2021-02-28"),
        ],
    )
    organisations = write(
        tmp_path / "organization.csv",
        ORGANISATION_HEADER,
        [
            org_row("101", "999999001", "Sofia University", "coordinator", activity="HES"),
            org_row("101", "999999002", "Hellenic Water", "participant", country="EL"),
            org_row("101", "999999003", "", "thirdParty", country="UK", activity="PRC"),
            org_row("102", "999999002", "Hellenic Water", "coordinator", country="EL"),
            org_row("102", "999999001", "Sofia University", "participant", activity="HES"),
        ],
    )
    return projects, organisations


def test_projects_become_joint_projects_linking_their_participants(workspace, files):
    report = import_cordis(workspace=workspace, projects_path=files[0], organizations_path=files[1])
    assert (report.projects_created, report.organisations_created, report.participations) == (
        2,
        3,
        5,
    )
    water = JointProject.objects.get(workspace=workspace, source="cordis", external_id="101")
    assert water.partnership is None
    assert (water.acronym, water.title, water.start_date) == (
        "WATER",
        "Green roofs for cities",
        date(2016, 1, 1),
    )
    assert "H2020-SC5-2018-1" in water.topics.split(";")
    assert "H2020-EU.3.5." in water.topics.split(";")
    assert "green" in water.objective
    roles = dict(
        ProjectParticipant.objects.filter(project=water).values_list("organisation__pic", "role")
    )
    assert roles == {
        "999999001": "coordinator",
        "999999002": "participant",
        "999999003": "thirdparty",
    }
    uni = Organisation.objects.get(workspace=workspace, pic="999999001")
    assert (uni.name, uni.kind, uni.country, uni.city) == (
        "Sofia University",
        "education",
        "BG",
        "Sofia",
    )
    assert uni.where_found == "previous_project"
    # CORDIS's own codes for Greece and the UK; a nameless organisation is named by its PIC.
    assert Organisation.objects.get(workspace=workspace, pic="999999002").country == "GR"
    nameless = Organisation.objects.get(workspace=workspace, pic="999999003")
    assert (nameless.name, nameless.country, nameless.kind) == ("PIC 999999003", "GB", "company")
    # Searchable like any organisation.
    assert OrganisationToken.objects.filter(organisation=uni, token="sofia").exists()
    part = ProjectParticipant.objects.get(project=water, organisation=uni)
    assert part.contribution == Decimal("1000.50")


def test_organisations_merge_by_pic_and_a_reimport_updates(workspace, alice, files, tmp_path):
    ours = make_organisation(workspace, alice, name="СУ „Св. Климент Охридски“", pic="999999001")
    import_cordis(workspace=workspace, projects_path=files[0], organizations_path=files[1])
    ours.refresh_from_db()
    assert ours.name == "СУ „Св. Климент Охридски“"  # our name is kept
    assert ours.city == "Sofia"  # a blank is filled in
    assert Organisation.objects.filter(workspace=workspace, pic="999999001").count() == 1
    # The same files again: nothing new, the projects updated, no duplicate participants.
    report = import_cordis(workspace=workspace, projects_path=files[0], organizations_path=files[1])
    assert (report.projects_created, report.projects_updated) == (0, 2)
    assert (report.organisations_created, report.organisations_matched) == (0, 3)
    assert JointProject.objects.filter(workspace=workspace, source="cordis").count() == 2
    assert ProjectParticipant.objects.filter(workspace=workspace).count() == 5
    # A later file names the nameless organisation: its placeholder name is replaced.
    write(
        tmp_path / "org2.csv",
        ORGANISATION_HEADER,
        [org_row("101", "999999003", "Thames Labs Ltd", "thirdParty", country="UK")],
    )
    write(tmp_path / "proj2.csv", PROJECT_HEADER, [])
    import_cordis(
        workspace=workspace,
        projects_path=tmp_path / "proj2.csv",
        organizations_path=tmp_path / "org2.csv",
    )
    assert Organisation.objects.get(workspace=workspace, pic="999999003").name == "Thames Labs Ltd"


def test_duplicate_rows_are_skipped_and_counted(workspace, files, tmp_path):
    rows = list(csv.reader(open(files[1], encoding="utf-8"), delimiter=";"))[1:]
    write(tmp_path / "dup.csv", ORGANISATION_HEADER, rows + rows[:2])
    report = import_cordis(
        workspace=workspace, projects_path=files[0], organizations_path=tmp_path / "dup.csv"
    )
    assert report.duplicate_rows == 2
    assert ProjectParticipant.objects.filter(workspace=workspace).count() == 5


def test_workspaces_stay_apart(workspace, other_workspace, files):
    import_cordis(workspace=workspace, projects_path=files[0], organizations_path=files[1])
    assert not JointProject.objects.filter(workspace=other_workspace).exists()
    import_cordis(workspace=other_workspace, projects_path=files[0], organizations_path=files[1])
    assert Organisation.objects.filter(pic="999999001").count() == 2


def _refused(workspace, projects, organisations) -> list[str]:
    before = (Organisation.objects.count(), JointProject.objects.count())
    with pytest.raises(CordisError) as error:
        import_cordis(workspace=workspace, projects_path=projects, organizations_path=organisations)
    assert (Organisation.objects.count(), JointProject.objects.count()) == before
    assert ProjectParticipant.objects.count() == 0
    return error.value.problems


def test_wrong_separator_is_named(workspace, files, tmp_path):
    rows = list(csv.reader(open(files[1], encoding="utf-8"), delimiter=";"))[1:]
    commas = write(tmp_path / "commas.csv", ORGANISATION_HEADER, rows, delimiter=",")
    problems = _refused(workspace, files[0], commas)
    assert "separated by “,”, not by semicolons" in problems[0]
    assert problems[0].startswith("commas.csv, line 1")


def test_missing_columns_are_named(workspace, files, tmp_path):
    bad = tmp_path / "project.csv"
    bad.write_text('"acronym";"title"\n"X";"Y"\n', encoding="utf-8")
    problems = _refused(workspace, bad, files[1])
    assert "required columns are missing: id, startDate" in problems[0]


def test_malformed_rows_are_listed_with_their_lines_and_nothing_is_stored(
    workspace, files, tmp_path
):
    write(
        tmp_path / "bad-projects.csv",
        PROJECT_HEADER,
        [
            project_row("101", "A", "Fine", "2016-01-01", "2017-01-01"),
            project_row("102", "B", "Bad date", "2016-13-45", ""),
            project_row("103", "C", "Backwards", "2018-01-01", "2017-01-01"),
            ["104", "D"],
        ],
    )
    problems = _refused(workspace, tmp_path / "bad-projects.csv", files[1])
    assert any("line 4" in p and "“2016-13-45” is not a date" in p for p in problems)
    assert any("line 6" in p and "ends before it starts" in p for p in problems)
    assert any("line 8" in p and "2 fields where the header has 19" in p for p in problems)


def test_bad_pics_and_unknown_projects_are_refused(workspace, files, tmp_path):
    write(
        tmp_path / "bad-orgs.csv",
        ORGANISATION_HEADER,
        [
            org_row("101", "12345", "Too short", "participant"),
            org_row("999", "999999009", "Nowhere", "participant"),
            org_row("101", "999999008", "Money", "participant", contribution="lots"),
        ],
    )
    problems = _refused(workspace, files[0], tmp_path / "bad-orgs.csv")
    assert any("line 2" in p and "“12345” is not an organisationID" in p for p in problems)
    assert any(
        "project 999 is neither in the projects file nor in the workspace" in p for p in problems
    )
    assert any("“lots” is not an amount" in p for p in problems)


def test_binary_and_empty_files_are_refused(workspace, files, tmp_path):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01binary\x00" * 100)
    assert "not UTF-8" in _refused(workspace, binary, files[1])[0]
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "empty" in _refused(workspace, files[0], empty)[0]


def test_command_imports_and_refuses_with_a_non_zero_exit(workspace, files, tmp_path, capsys):
    call_command(
        "import_cordis",
        "--workspace",
        "ngo",
        "--projects",
        str(files[0]),
        "--organizations",
        str(files[1]),
    )
    assert "Projects: 2 new" in capsys.readouterr().out
    commas = tmp_path / "commas.csv"
    commas.write_text(ORGANISATION_HEADER.replace(";", ",") + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_cordis",
            "--workspace",
            "ngo",
            "--projects",
            str(files[0]),
            "--organizations",
            str(commas),
        )
    assert "semicolons" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No workspace"):
        call_command(
            "import_cordis", "--workspace", "nope", "--projects", "a", "--organizations", "b"
        )


def test_real_horizon_2020_participations_import(workspace, tmp_path):
    """The derived H2020 data (../shared/data/cordis-h2020), written as CORDIS files: a slice
    of it imports whole, nameless organisations named by their PIC."""
    source = SHARED / "h2020.csv.gz"
    assert source.is_file(), f"{source} is missing"
    projects: dict[str, list[str]] = {}
    orgs: list[list[str]] = []
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rcn = row["rcn"]
            if rcn not in projects:
                if len(projects) == 300:
                    continue
                projects[rcn] = project_row(
                    rcn, f"P{rcn}", f"Project {rcn}", row["start_date"], row["end_date"]
                )
            orgs.append(
                org_row(
                    rcn,
                    row["pic"],
                    "",
                    row["role"],
                    row["country"],
                    row["type"],
                    row["contribution"],
                )
            )
    write(tmp_path / "project.csv", PROJECT_HEADER, list(projects.values()))
    write(tmp_path / "organization.csv", ORGANISATION_HEADER, orgs)
    report = import_cordis(
        workspace=workspace,
        projects_path=tmp_path / "project.csv",
        organizations_path=tmp_path / "organization.csv",
    )
    assert report.projects_created == 300
    assert report.participations == len(orgs) - report.duplicate_rows
    assert ProjectParticipant.objects.filter(workspace=workspace).count() == report.participations
    assert (
        JointProject.objects.filter(workspace=workspace, participants__role="coordinator").count()
        >= 250
    )
