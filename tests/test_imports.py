"""Imports: the whole file or nothing, with its problems listed; the source kept on every record;
undo as a whole. Through the services, the wizard's pages, the API and the command."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from svrazka.contacts.models import (
    Affiliation,
    Organisation,
    Person,
    PersonEmail,
    PersonPhone,
    PersonToken,
    Tag,
)
from svrazka.imports import services
from svrazka.imports.models import ImportJob, ProblemKind, SavedMapping, Status
from tests.api_client import Caller
from tests.factories import make_person
from tests.test_person_rows import orphans

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

LINKEDIN = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Мария,Иванова,https://www.linkedin.com/in/maria,maria@zelena.bg,Зелена планета,"
    "Координатор,12 Mar 2021\n"
    "Nikos,Papadopoulos,https://www.linkedin.com/in/nikos,,Κοινωνία ΑΜΚΕ,Director,01 Feb 2020\n"
    "Ion,Popescu,https://www.linkedin.com/in/ion,ion@verde.ro,Зелена планета,Expert,"
    "03 Apr 2019\n"
)

VCARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Петров;Георги;;;\r\nFN:Георги Петров\r\n"
    "EMAIL;TYPE=work:georgi@example.bg\r\nTEL;TYPE=cell:+359 88 123 4567\r\n"
    "ORG:Фондация Изгрев\r\nTITLE:Председател\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Сдружение Мост\r\nORG:Сдружение Мост\r\n"
    "EMAIL:office@most.bg\r\nEND:VCARD\r\n"
)


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _upload(workspace, actor, text: str | bytes, name="contacts.csv", **kwargs):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return services.job_create(
        workspace=workspace,
        actor=actor,
        upload=io.BytesIO(data),
        filename=name,
        background=False,
        **kwargs,
    )


def _run(job, **decision):
    job = services.job_check(job)
    assert job.status == Status.CHECKED, job.message
    services.job_start_import(job=job, background=False, **decision)
    return services.job_commit(job)


def test_a_linkedin_export_is_recognised_checked_and_imported(workspace, alice):
    job = _upload(workspace, alice, LINKEDIN, name="Connections.csv")
    assert job.detected_format == "linkedin"
    assert job.status == Status.QUEUED
    job = _run(job)
    assert job.status == Status.DONE
    assert (job.rows_total, job.rows_valid, job.rows_invalid) == (3, 3, 0)
    assert (job.people_created, job.organisations_created, job.affiliations_created) == (3, 2, 3)
    maria = Person.objects.get(workspace=workspace, given_name="Мария")
    # Where found: the file, the date and who imported it.
    assert maria.source_import_id == job.pk
    assert maria.where_found == "import" and maria.where_found_note == "Connections.csv"
    assert maria.linkedin == "https://www.linkedin.com/in/maria"
    assert [e.email for e in maria.emails.all()] == ["maria@zelena.bg"]
    # One organisation for the two people at "Зелена планета", linked by affiliations.
    zelena = Organisation.objects.get(workspace=workspace, name="Зелена планета")
    assert set(
        Affiliation.objects.filter(organisation=zelena).values_list("person__given_name", flat=True)
    ) == {"Мария", "Ion"}
    # The search finds her by a Latin query: her tokens are the services' own.
    assert PersonToken.objects.filter(person=maria, token="ivanova").exists()
    from svrazka.contacts.services import _person_tokens

    expected = _person_tokens(maria, ["maria@zelena.bg"], [])
    assert set(PersonToken.objects.filter(person=maria).values_list("token", "sort_key")) == {
        (token, maria.sort_key) for token in expected
    }


def test_imported_people_are_found_by_search_and_shown_with_their_source(
    workspace, alice, alice_client
):
    job = _run(_upload(workspace, alice, LINKEDIN, name="Connections.csv"))
    response = alice_client.get("/w/ngo/people/?q=ivanova")
    assert [p.given_name for p in response.context["page"].items] == ["Мария"]
    maria = Person.objects.get(workspace=workspace, given_name="Мария")
    page = alice_client.get(f"/w/ngo/people/{maria.pk}/").content.decode()
    assert "Connections.csv" in page and f"/w/ngo/imports/{job.pk}/" in page


def test_an_existing_organisation_is_reused_by_name(workspace, alice):
    from tests.factories import make_organisation

    existing = make_organisation(workspace, alice, name="Зелена Планета")
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert job.organisations_created == 1  # only Κοινωνία ΑΜΚΕ is new
    maria = Person.objects.get(workspace=workspace, given_name="Мария")
    assert maria.affiliations.get().organisation_id == existing.pk


def test_vcards_become_people_and_organisations(workspace, alice):
    job = _upload(workspace, alice, VCARDS, name="phone.vcf")
    assert job.detected_format == "vcard"
    job = _run(job)
    georgi = Person.objects.get(workspace=workspace, family_name="Петров")
    assert [p.number for p in georgi.phones.all()] == ["+359881234567"]
    assert georgi.affiliations.get().position == "Председател"
    most = Organisation.objects.get(workspace=workspace, name="Сдружение Мост")
    assert most.email == "office@most.bg" and most.source_import_id == job.pk


def test_rows_with_problems_are_listed_and_nothing_is_stored_until_decided(workspace, alice):
    text = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ivan,Ivanov,,ivan@example.org,,,\n"
        '=HYPERLINK("http://evil"),Bad,,,,,\n'
        "Petar,Petrov,,petar@example.org,<b>Evil</b>,,\n"
        "Ana,Popa,,ana@example.ro,,,\n"
    )
    job = services.job_check(_upload(workspace, alice, text))
    assert (job.rows_total, job.rows_valid, job.rows_invalid) == (4, 2, 2)
    problems = list(job.problems.filter(kind=ProblemKind.ERROR))
    assert [p.line for p in problems] == [3, 4]
    assert "formula" in problems[0].message and "< > { }" in problems[1].message
    assert not Person.objects.filter(workspace=workspace).exists()
    # All or nothing: refused while rows have problems ...
    with pytest.raises(Exception, match="cannot be imported"):
        services.job_start_import(job=job, background=False)
    assert not Person.objects.filter(workspace=workspace).exists()
    # ... or the valid rows when the user chooses to skip the others.
    services.job_start_import(job=job, skip_invalid=True, background=False)
    job = services.job_commit(job)
    assert sorted(
        Person.objects.filter(workspace=workspace).values_list("given_name", flat=True)
    ) == [
        "Ana",
        "Ivan",
    ]


def test_a_row_that_repeats_a_person_we_have_is_shown_and_can_be_skipped(workspace, alice):
    ivan = make_person(
        workspace, alice, given_name="Иван", family_name="Иванов", emails=["ivan@example.org"]
    )
    text = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ivan,Ivanov,,IVAN@example.org,,,\n"
        "Ana,Popa,,ana@example.ro,,,\n"
    )
    job = services.job_check(_upload(workspace, alice, text))
    assert job.rows_duplicate == 1
    duplicate = job.problems.get(kind=ProblemKind.DUPLICATE)
    assert duplicate.existing_person_id == ivan.pk and duplicate.line == 2
    services.job_start_import(job=job, skip_duplicates=True, background=False)
    job = services.job_commit(job)
    assert job.people_created == 1
    assert PersonEmail.objects.filter(workspace=workspace, email="ivan@example.org").count() == 1


def _people_indexes():
    from svrazka.lib import bulkload

    return bulkload.secondary_indexes(
        [m._meta.db_table for m in (Person, PersonEmail, PersonToken, Affiliation)]
    )


def _pragma(name: str) -> int | None:
    """SQLite: a setting of this connection (None on PostgreSQL)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


def test_a_big_import_builds_the_peoples_indexes_again_and_is_searchable(
    workspace, alice, alice_client, monkeypatch
):
    before = _people_indexes()
    assert len(before) >= 6
    monkeypatch.setattr(services, "REBUILD_INDEXES_FROM", 1)  # this file counts as big
    monkeypatch.setattr(services, "BATCH", 1)  # and goes in a row at a time
    from svrazka.lib import bulkload

    write, seen = bulkload.write, []

    def watching_write(table, rows, *sender):
        seen.append(len(_people_indexes()))
        return write(table, rows, *sender)

    monkeypatch.setattr(bulkload, "write", watching_write)
    cache_size = _pragma("cache_size")
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert job.status == Status.DONE and job.people_created == 3
    # The builds' own cache and helper threads do not outlast them.
    if connection.vendor == "sqlite":
        assert (_pragma("cache_size"), _pragma("threads")) == (cache_size, 0)
    # SQLite loads without them and builds them once; PostgreSQL keeps them (no table lock).
    assert set(seen) == ({0} if connection.vendor == "sqlite" else {len(before)})
    assert _people_indexes() == before
    response = alice_client.get("/w/ngo/people/?q=ivanova")
    assert [p.given_name for p in response.context["page"].items] == ["Мария"]


def test_a_load_that_fails_stores_nothing_and_keeps_every_index(workspace, alice, monkeypatch):
    from svrazka.lib import bulkload

    before = _people_indexes()
    monkeypatch.setattr(services, "REBUILD_INDEXES_FROM", 1)
    monkeypatch.setattr(services, "BATCH", 1)
    write = bulkload.write
    calls = []

    def failing_write(table, rows, *sender):
        calls.append(table.name)
        if table.name == Affiliation._meta.db_table and calls.count(table.name) == 2:
            raise RuntimeError("disk full")
        return write(table, rows, *sender)

    monkeypatch.setattr(bulkload, "write", failing_write)
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert job.status == Status.FAILED and "nothing was stored" in job.message
    assert not Person.objects.filter(workspace=workspace).exists()
    assert not Organisation.objects.filter(workspace=workspace).exists()
    assert not PersonToken.objects.filter(workspace=workspace).exists()
    assert _people_indexes() == before


def test_a_load_the_database_refuses_midway_stores_nothing(workspace, alice, monkeypatch):
    """The database itself rejects a batch (on PostgreSQL in the thread that sends the rows,
    while the next batches are built): the job fails, nothing stays, the connection is fine."""
    import threading

    from svrazka.lib import bulkload

    monkeypatch.setattr(services, "BATCH", 1)
    sql_insert, sql_copy, calls = bulkload.Table.sql_insert, bulkload.Table.sql_copy, []

    def broken(make):
        def sql(table):
            text = make(table)
            if table.model is Affiliation:
                calls.append(table.name)
                if len(calls) == 2:  # the second row's affiliation names a column not there
                    return text.replace('"position"', '"no_such_column"')
            return text

        return sql

    monkeypatch.setattr(bulkload.Table, "sql_insert", broken(sql_insert))
    monkeypatch.setattr(bulkload.Table, "sql_copy", broken(sql_copy))
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert len(calls) >= 2
    assert job.status == Status.FAILED and "nothing was stored" in job.message
    assert not Person.objects.filter(workspace=workspace).exists()
    assert not Organisation.objects.filter(workspace=workspace).exists()
    assert not PersonToken.objects.filter(workspace=workspace).exists()
    assert not [t for t in threading.enumerate() if t.name == "bulkload-sender"]


def test_the_sender_keeps_order_answers_and_drops_what_a_failure_leaves(workspace, alice):
    """PostgreSQL sends a load's rows from a thread of its own (bulkload.Sender); SQLite
    writes them in the caller's thread."""
    import sys

    from django.db import transaction

    from svrazka.lib import bulkload

    job = _upload(workspace, alice, LINKEDIN)
    if connection.vendor != "postgresql":
        assert services._Loader(job).sender is None
        return
    table = bulkload.Table(Tag, ["workspace", "name"])
    switch_interval = sys.getswitchinterval()
    with transaction.atomic():
        with bulkload.Sender(depth=2) as sender:
            # The thread gets the interpreter back soon between two pieces of a COPY.
            assert sys.getswitchinterval() == bulkload.SWITCH_INTERVAL
            for name in ("Алфа", "Бета", "Гама"):
                bulkload.write(table, [(workspace.pk, name)], sender)
            asked = sender.ask(
                "SELECT count(*) FROM contacts_tag WHERE workspace_id = %s", [workspace.pk]
            )
            assert sender.answer(asked) == [(3,)]  # after the rows sent before it
            told: list[str] = []
            sender.execute("SELECT pg_sleep(0.3)")
            sender.then(lambda: told.append("done"))
            assert told == []  # not before what was given before it is done
            sender.wait()
            assert told == ["done"]
        assert Tag.objects.filter(workspace=workspace).count() == 3
        assert sys.getswitchinterval() == switch_interval
        with pytest.raises(Exception, match="no_such_table"):
            with bulkload.Sender() as sender:
                sender.execute("SELECT pg_sleep(0.3)")  # the next two queue up behind it
                sender.execute("INSERT INTO no_such_table VALUES (1)")
                later = sender.ask("SELECT 1")
                with pytest.raises(Exception, match="no_such_table"):
                    sender.answer(later)  # not run: what failed before it is raised
                sender.execute("SELECT 2")  # nor is anything after
                sender.then(lambda: told.append("after a failure"))
        assert told == ["done"]
        transaction.set_rollback(True)
    assert not Tag.objects.filter(workspace=workspace).exists()


def test_the_progress_counts_the_rows_the_database_has_taken(workspace, alice, monkeypatch):
    """On PostgreSQL the rows of a batch are queued for the sender's thread: the progress shown
    counts them once the server has them, not when they are queued."""
    from svrazka.lib import bulkload

    written: list[int] = []
    monkeypatch.setattr(services, "BATCH", 1)
    monkeypatch.setattr(services._Progress, "write", lambda self, done: written.append(done))
    if connection.vendor == "postgresql":
        copy = bulkload.Sender.copy

        def slow_copy(self, sql, data):  # the server busy a while before each batch
            self.execute("SELECT pg_sleep(0.2)")
            copy(self, sql, data)

        monkeypatch.setattr(bulkload.Sender, "copy", slow_copy)
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert job.status == Status.DONE and job.rows_done == 3
    if connection.vendor == "postgresql":
        # Written as each batch is queued: the server has not taken it yet.
        assert len(written) == 3 and written[0] == 0
        assert all(landed <= queued for queued, landed in enumerate(written))
    else:
        assert written == [1, 2, 3]


def test_undo_removes_everything_the_import_brought_and_nothing_else(workspace, alice):
    kept = make_person(workspace, alice, given_name="Стоян")
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert Person.objects.filter(workspace=workspace).count() == 4
    services.job_undo(job=job, actor=alice)
    job.refresh_from_db()
    assert job.status == Status.UNDONE and job.undone_by == alice
    assert list(Person.objects.filter(workspace=workspace)) == [kept]
    assert not Organisation.objects.filter(workspace=workspace).exists()
    assert not PersonToken.objects.filter(workspace=workspace).exclude(person=kept).exists()
    assert not any(orphans().values())  # no email, phone, tag or affiliation left behind
    with pytest.raises(Exception, match="Only a finished import"):
        services.job_undo(job=job, actor=alice)


def test_an_unknown_layout_asks_for_columns_and_remembers_them(workspace, alice):
    text = (
        "Име;Фамилия;Е-поща;Телефон;Бележка\nМария;Иванова;maria@x.bg;0888123456;от конференция\n"
    )
    job = _upload(workspace, alice, text, name="таблица.csv")
    assert job.status == Status.MAPPING
    assert job.header == ["Име", "Фамилия", "Е-поща", "Телефон", "Бележка"]
    # The guess reads Bulgarian headers.
    assert job.mapping["0"] == "given_name" and job.mapping["2"] == "email"
    services.job_set_mapping(
        job=job,
        mapping={"0": "given_name", "1": "family_name", "2": "email", "3": "phone", "4": "notes"},
    )
    assert SavedMapping.objects.filter(workspace=workspace).count() == 1
    job.refresh_from_db()
    job = _run(job)
    maria = Person.objects.get(workspace=workspace)
    assert maria.notes == "от конференция"
    assert [p.number for p in maria.phones.all()] == ["+359888123456"]
    # The next file with these columns starts with the remembered mapping.
    again = _upload(workspace, alice, text, name="друга.csv")
    assert again.mapping["4"] == "notes"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, ""),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "xlsx"),
    ],
)
def test_files_that_are_not_contacts_are_refused_and_nothing_is_kept(
    workspace, alice, data, message
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        _upload(workspace, alice, data, name="contacts.csv")
    assert message.lower() in " ".join(e.value.messages).lower()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(workspace, alice, settings):
    from django.core.exceptions import ValidationError

    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="up to"):
        _upload(workspace, alice, "First Name\n" + "Ivan\n" * 500)
    assert not ImportJob.objects.exists()


def test_windows_1251_and_utf16_files_read_right(workspace, alice):
    text = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Йордан,Йорданов,,,,,\n"
    )
    for encoding in ("cp1251", "utf-16"):
        job = _run(_upload(workspace, alice, text.encode(encoding)))
        assert job.people_created == 1, encoding
    assert Person.objects.filter(workspace=workspace, given_name="Йордан").count() == 2


# --- the wizard ------------------------------------------------------------------------------


def test_the_wizard_uploads_checks_imports_and_undoes(
    workspace, alice, alice_client, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    page = alice_client.get("/w/ngo/imports/")
    assert page.status_code == 200 and b"LinkedIn" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            "/w/ngo/imports/",
            {"file": SimpleUploadedFile("Connections.csv", LINKEDIN.encode()), "format": "auto"},
        )
    job = ImportJob.objects.get(workspace=workspace)
    assert response.status_code == 302 and response["Location"] == f"/w/ngo/imports/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Status.CHECKED
    page = alice_client.get(f"/w/ngo/imports/{job.pk}/").content.decode()
    assert "Import 3 contacts" in page
    # The progress bar, polled, sends the page on once the step is over.
    progress = alice_client.get(f"/w/ngo/imports/{job.pk}/progress/")
    assert progress.status_code == 204 and progress["HX-Redirect"] == f"/w/ngo/imports/{job.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/w/ngo/imports/{job.pk}/import/", {})
    job.refresh_from_db()
    assert job.status == Status.DONE and job.people_created == 3
    assert "Undo this import" in alice_client.get(f"/w/ngo/imports/{job.pk}/").content.decode()
    alice_client.post(f"/w/ngo/imports/{job.pk}/undo/")
    job.refresh_from_db()
    assert job.status == Status.UNDONE
    assert not Person.objects.filter(workspace=workspace).exists()


def test_the_progress_bar_shows_a_running_step(workspace, alice, alice_client):
    job = _upload(workspace, alice, LINKEDIN)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.CHECKING, bytes_done=job.size // 2)
    response = alice_client.get(f"/w/ngo/imports/{job.pk}/progress/")
    assert response.status_code == 200
    assert b"<progress" in response.content and b'hx-trigger="every 1s"' in response.content


def test_a_bad_upload_is_refused_with_a_message_in_bulgarian(workspace, alice, alice_client):
    alice_client.cookies["django_language"] = "bg"
    response = alice_client.post(
        "/w/ngo/imports/",
        {
            "file": SimpleUploadedFile("contacts.csv", b"\x89PNG\r\n\x1a\n" + bytes(500)),
            "format": "auto",
        },
        HTTP_ACCEPT_LANGUAGE="bg",
    )
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_viewer_cannot_import(vera_client, workspace):
    assert vera_client.get("/w/ngo/imports/").status_code == 403


def test_two_clicks_do_not_import_twice(workspace, alice):
    job = services.job_check(_upload(workspace, alice, LINKEDIN))
    stale = ImportJob.objects.get(pk=job.pk)
    services.job_start_import(job=job, background=False)
    with pytest.raises(Exception, match="Someone else"):
        services.job_start_import(job=stale, background=False)


# --- the API ---------------------------------------------------------------------------------


def test_the_api_uploads_follows_and_undoes_an_import(
    workspace, alice, client, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    api = Caller.of(client, workspace, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports",
            {"file": SimpleUploadedFile("Connections.csv", LINKEDIN.encode())},
            headers=api.headers,
        )
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    status = api.get(f"/imports/{job_id}").json()
    assert status["status"] == "checked" and status["rows_valid"] == 3
    assert api.get(f"/imports/{job_id}/problems").json()["items"] == []
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"/imports/{job_id}/import", {})
    assert started.status_code == 202
    assert api.get(f"/imports/{job_id}").json()["people_created"] == 3
    assert api.post(f"/imports/{job_id}/undo").json()["status"] == "undone"
    assert api.post(f"/imports/{job_id}/undo").status_code == 422


def test_the_api_refuses_unknown_fields_in_a_mapping(workspace, alice, client):
    api = Caller.of(client, workspace, alice)
    job = _upload(workspace, alice, "Име;Фамилия\nМария;Иванова\n")
    response = api.post(f"/imports/{job.pk}/mapping", {"mapping": {"0": "password"}})
    assert response.status_code == 422
    response = api.post(f"/imports/{job.pk}/mapping", {"mapping": {"0": "given_name"}, "x": 1})
    assert response.status_code == 422


def test_a_viewer_token_cannot_upload(workspace, vera, client):
    api = Caller.of(client, workspace, vera)
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("c.csv", LINKEDIN.encode())},
        headers=api.headers,
    )
    assert response.status_code == 403


# --- the command -----------------------------------------------------------------------------


def test_the_command_imports_a_file_and_prints_a_summary(workspace, tmp_path):
    path = tmp_path / "Connections.csv"
    path.write_text(LINKEDIN, encoding="utf-8")
    out = io.StringIO()
    call_command("import_contacts", str(path), "--workspace", "ngo", stdout=out)
    assert "Imported 3 people" in out.getvalue()
    assert Person.objects.filter(workspace=workspace).count() == 3


def test_the_command_stores_nothing_when_rows_are_invalid(workspace, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ivan,Ivanov,,ivan@example.org,,,\nPetar,Petrov,,p@x.bg,=1+2,,\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_contacts", str(path), "--workspace", "ngo", stdout=out)
    assert "line 3" in out.getvalue()
    assert not Person.objects.exists() and not ImportJob.objects.exists()
    call_command("import_contacts", str(path), "--workspace", "ngo", "--skip-invalid", stdout=out)
    assert list(Person.objects.values_list("given_name", flat=True)) == ["Ivan"]


@pytest.fixture
def row_by_row(monkeypatch):
    """Rows checked, looked up and loaded one at a time, the people's indexes set aside: a
    one-pass import has loaded every row before the next is read."""
    from svrazka.imports import checking

    monkeypatch.setattr(checking, "CHUNK", 1)
    monkeypatch.setattr(services, "LOOKUP_BATCH", 1)
    monkeypatch.setattr(services, "BATCH", 1)
    monkeypatch.setattr(services, "REBUILD_INDEXES_FROM", 1)


def test_a_one_pass_import_rolls_back_what_it_loaded_when_a_later_row_is_bad(
    workspace, alice, row_by_row, monkeypatch
):
    from svrazka.lib import bulkload

    before = _people_indexes()
    write, loaded = bulkload.write, []

    def watching_write(table, rows, *sender):
        if table.model is Person:
            loaded.extend(rows)
        return write(table, rows, *sender)

    monkeypatch.setattr(bulkload, "write", watching_write)
    job = _upload(workspace, alice, LINKEDIN + "Bad,Row,,,=cmd|' /C calc'!A0,,\n")
    job = services.job_import_at_once(job)
    assert len(loaded) == 3  # the good rows went in before the bad one was read
    assert (job.status, job.rows_valid, job.rows_invalid, job.people_created) == (
        Status.CHECKED,
        3,
        1,
        0,
    )
    assert list(job.problems.values_list("line", flat=True)) == [8]
    assert not Person.objects.exists() and not Organisation.objects.exists()
    assert not PersonToken.objects.exists()
    assert _people_indexes() == before


def test_a_one_pass_import_looks_for_duplicates_among_the_people_we_had(
    workspace, alice, row_by_row, monkeypatch
):
    """A row like a person we have is reported (and skipped on request); a row like an
    earlier row of the same file is not: the two steps of the wizard say the same. The
    lookups keep their indexes while the others are set aside."""
    from svrazka.lib import bulkload

    make_person(workspace, alice, given_name="Ion", family_name="Popescu", emails=["ion@verde.ro"])
    write, indexes_seen = bulkload.write, set()

    def watching_write(table, rows, *sender):
        indexes_seen.add(tuple(name for name, _sql in _people_indexes()))
        return write(table, rows, *sender)

    monkeypatch.setattr(bulkload, "write", watching_write)
    text = LINKEDIN + "Мария,Иванова,,maria@zelena.bg,,,\n"  # line 5's email again
    job = services.job_import_at_once(_upload(workspace, alice, text), skip_duplicates=True)
    problems = list(job.problems.values_list("kind", "line", "field"))
    assert problems == [(ProblemKind.DUPLICATE, 7, "email")]
    assert (job.status, job.rows_valid, job.rows_duplicate, job.people_created) == (
        Status.DONE,
        4,
        1,
        3,
    )
    assert Person.objects.filter(workspace=workspace, given_name="Мария").count() == 2
    assert Person.objects.filter(workspace=workspace, family_name="Popescu").count() == 1
    expected = {"personemail_ws_email"} if connection.vendor == "sqlite" else None
    if expected:  # SQLite: only the indexes the lookups read stayed in place
        assert {name for seen in indexes_seen for name in seen} == expected
    job = services.job_undo(job=job, actor=alice)
    assert Person.objects.filter(workspace=workspace).count() == 1


GOOGLE_HEADER = (
    "First Name,Last Name,Organization Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Labels\n"
)


@pytest.mark.parametrize("one_pass", [False, True])
def test_labels_and_organisations_new_in_later_rows_are_made_as_the_load_goes_on(
    workspace, alice, monkeypatch, one_pass
):
    """A batch may name a label the workspace lacks (made then, once the rows sent before it
    are in, on PostgreSQL) or an organisation it has (found, not made again)."""
    from svrazka.contacts.services import tag_get_or_create
    from tests.factories import make_organisation

    monkeypatch.setattr(services, "BATCH", 1)
    donors = tag_get_or_create(workspace=workspace, name="Донори")
    green = make_organisation(workspace, alice, name="Зелена планета")
    text = GOOGLE_HEADER + (
        "Ivan,Ivanov,Зелена планета,Work,ivan@example.org,,,Partners\n"
        "Ana,Popa,Verde,Work,ana@example.ro,,,донори ::: Board\n"
        "Nikos,Papas,Зелена Планета,Work,nikos@example.gr,,,Board ::: Partners\n"
    )
    job = _upload(workspace, alice, text)
    job = services.job_import_at_once(job) if one_pass else _run(job)
    assert (job.status, job.people_created, job.organisations_created) == (Status.DONE, 3, 1)
    tags = {
        p.given_name: sorted(p.tags.values_list("name", flat=True))
        for p in Person.objects.filter(workspace=workspace)
    }
    assert tags == {
        "Ivan": ["Partners"],
        "Ana": ["Board", "Донори"],
        "Nikos": ["Board", "Partners"],
    }
    assert Tag.objects.filter(workspace=workspace).count() == 3
    assert set(donors.person_set.values_list("given_name", flat=True)) == {"Ana"}
    at_green = Affiliation.objects.filter(workspace=workspace, organisation=green)
    assert sorted(at_green.values_list("person__given_name", flat=True)) == ["Ivan", "Nikos"]


def _lookups(queries) -> dict[str, int]:
    """How many of the captured queries looked rows' emails and phones up."""
    counted = {}
    for kind, model in (("email", PersonEmail), ("phone", PersonPhone)):
        table = f"{connection.ops.quote_name(model._meta.db_table)} v "
        counted[kind] = sum(table in q["sql"] for q in queries)
    return counted


@pytest.mark.parametrize("one_pass", [False, True])
def test_only_what_the_workspace_holds_is_looked_up(workspace, alice, one_pass):
    """A first import asks nothing of the people we have (there are none); a workspace with
    phones but no emails is asked about phones alone, and the duplicate is still found."""
    from django.test.utils import CaptureQueriesContext

    text = GOOGLE_HEADER + (
        "Ivan,Ivanov,,Work,ivan@example.org,Mobile,+359 88 812 3456,\n"
        "Ana,Popa,,Work,ana@example.ro,,,\n"
    )
    run = services.job_import_at_once if one_pass else services.job_check
    with CaptureQueriesContext(connection) as queries:
        job = run(_upload(workspace, alice, text))
    assert job.rows_valid == 2 and job.rows_duplicate == 0
    assert _lookups(queries) == {"email": 0, "phone": 0}
    if one_pass:
        services.job_undo(job=job, actor=alice)
    ivan = make_person(workspace, alice, given_name="Иван", phones=["+359888123456"])
    with CaptureQueriesContext(connection) as queries:
        job = run(_upload(workspace, alice, text))
    assert _lookups(queries) == {"email": 0, "phone": 1}
    assert job.rows_duplicate == 1
    assert list(job.problems.values_list("line", "field", "existing_person_id")) == [
        (2, "phone", ivan.pk)
    ]


def test_the_command_takes_a_mapping_by_column_name(workspace, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Kto;Mail\nМария Иванова;m@x.bg\n", encoding="utf-8")
    call_command(
        "import_contacts", str(path), "--workspace", "ngo",
        "--mapping", '{"Kto": "full_name", "Mail": "email"}', stdout=io.StringIO(),
    )  # fmt: skip
    maria = Person.objects.get()
    assert (maria.given_name, maria.family_name) == ("Мария", "Иванова")


def test_the_command_refuses_an_unknown_workspace(tmp_path, db):
    path = tmp_path / "c.csv"
    path.write_text(LINKEDIN)
    with pytest.raises(CommandError, match="No workspace"):
        call_command("import_contacts", str(path), "--workspace", "nope")


# --- real files ------------------------------------------------------------------------------


def test_every_real_vcard_file_imports_whole(workspace, alice):
    """The conformance set: real exports of phones and mail clients, imported end to end."""
    files = sorted((DATA / "vcards").rglob("*.vcf"))
    assert files, f"no vCards under {DATA}"
    for path in files:
        job = services.job_check(_upload(workspace, alice, path.read_bytes(), name=path.name))
        assert job.status == Status.CHECKED, (path.name, job.message)
        assert job.rows_total >= 1, path.name
        problems = [p.message for p in job.problems.filter(kind=ProblemKind.ERROR)]
        assert job.rows_invalid == 0, (path.name, problems)
        services.job_start_import(job=job, background=False)
        assert services.job_commit(job).status == Status.DONE, path.name
    assert Person.objects.filter(workspace=workspace).count() >= len(files)
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_200_mb_file_is_refused_by_the_command_without_being_read(workspace, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.write(b"First Name,Last Name\n")
        f.truncate(200 * 1024 * 1024)  # sparse: no time or disk spent
    with pytest.raises(CommandError, match="up to 160 MB"):
        call_command("import_contacts", str(path), "--workspace", "ngo", stdout=io.StringIO())
    assert not ImportJob.objects.exists() and not Person.objects.exists()


def _checked(job):
    job = services.job_check(job)
    staged = services._staging_path(job).read_text(encoding="utf-8")
    problems = list(job.problems.order_by("line", "id").values_list("kind", "line", "message"))
    return job, staged, problems


def test_a_big_file_is_checked_by_worker_processes_with_the_same_result(
    workspace, alice, monkeypatch, settings
):
    from django.utils import translation

    from svrazka.imports import checking

    make_person(workspace, alice, given_name="Иван", family_name="Иванов", emails=["i7@x.bg"])
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    for i in range(3000):
        lines.append(f"Мария{i},Петрова,,m{i}@x.bg,Сдружение {i % 40},Експерт,")
    lines[100] = '=HYPERLINK("http://evil"),Bad,,,,,'
    lines[200] = "Ivan,Ivanov,,I7@x.bg,,,"
    text = "\n".join(lines) + "\n"
    submitted = []

    class Pool(checking.ProcessPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            submitted.append(len(args[-1]))
            return super().submit(fn, *args, **kwargs)

    with translation.override("bg"):
        serial = _checked(_upload(workspace, alice, text))
        monkeypatch.setattr(checking, "ProcessPoolExecutor", Pool)
        monkeypatch.setattr(checking, "POOL_FROM_BYTES", 0)
        monkeypatch.setattr(checking, "CHUNK", 700)
        settings.IMPORT_CHECK_WORKERS = 2
        pooled = _checked(_upload(workspace, alice, text))
    assert submitted == [700, 700, 700, 700, 200]  # every row went to a worker
    assert (pooled[0].rows_valid, pooled[0].rows_invalid, pooled[0].rows_duplicate) == (
        2999,
        1,
        1,
    )
    assert (serial[0].rows_valid, serial[0].rows_invalid, serial[0].rows_duplicate) == (2999, 1, 1)
    assert pooled[1] == serial[1] and pooled[1].count("\n") == 2999
    assert pooled[2] == serial[2]
    assert "формула" in pooled[2][0][2]  # the workers speak the user's language
    # The staged rows load as before.
    services.job_start_import(job=pooled[0], skip_invalid=True, background=False)
    job = services.job_commit(pooled[0])
    assert job.status == Status.DONE and job.people_created == 2999


def test_the_check_workers_give_way_to_the_load_and_the_database():
    """They keep ahead of the load: on a busy machine what the import waits for goes first."""
    import os

    from svrazka.imports import checking

    with checking.worker_pool(1) as pool:
        assert pool.submit(os.nice, 0).result() == min(os.nice(0) + checking.WORKER_NICE, 19)


def test_a_one_pass_import_tells_a_big_file_from_what_it_has_read_ahead(
    workspace, alice, monkeypatch, settings
):
    """Whether the people's indexes are built after the load depends on how many rows the
    file has, guessed when the first rows are loaded: from the bytes a row took among the
    rows read, however far the reading has gone ahead of the check."""
    from svrazka.imports import checking

    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"Мария{i},Петрова,,m{i}@x.bg,Сдружение {i % 40},Експерт," for i in range(3000)]
    monkeypatch.setattr(checking, "POOL_FROM_BYTES", 0)
    monkeypatch.setattr(checking, "CHUNK", 100)
    monkeypatch.setattr(checking, "IN_FLIGHT", 8)  # 1,600 rows read ahead of the check
    settings.IMPORT_CHECK_WORKERS = 2
    guesses = []
    tables_to_rebuild = services._Loader.tables_to_rebuild

    def guessing(self, people):
        guesses.append(people)
        return tables_to_rebuild(self, people)

    monkeypatch.setattr(services._Loader, "tables_to_rebuild", guessing)
    job = services.job_import_at_once(_upload(workspace, alice, "\n".join(lines) + "\n"))
    assert job.status == Status.DONE and job.people_created == 3000
    assert len(guesses) == 1 and 2700 <= guesses[0] <= 3300


def test_token_rows_are_written_in_the_order_of_their_index(workspace, alice, monkeypatch):
    """A person's search tokens are the services' own. PostgreSQL writes them in sorted
    runs (cheaper index inserts), sorted by the load itself; SQLite reads them out of the
    staged rows."""
    from svrazka.contacts.services import _person_tokens

    monkeypatch.setattr(services, "BATCH", 1)
    monkeypatch.setattr(services, "TOKEN_RUN", 4)
    write_tokens, runs = services._Loader.write_tokens, []

    def watching_write_tokens(loader):
        if loader.token_run:
            runs.append(loader.token_run)
        return write_tokens(loader)

    monkeypatch.setattr(services._Loader, "write_tokens", watching_write_tokens)
    job = _run(_upload(workspace, alice, LINKEDIN))
    assert job.status == Status.DONE
    for person in Person.objects.filter(workspace=workspace):
        emails = list(person.emails.values_list("email", flat=True))
        stored = PersonToken.objects.filter(person=person)
        assert {t.token for t in stored} == _person_tokens(person, emails, [])
        assert {t.sort_key for t in stored} == {person.sort_key}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT token, sort_key, person_id FROM contacts_persontoken "
                "WHERE workspace_id = %s ORDER BY ctid",
                [workspace.pk],
            )
            written = cursor.fetchall()
        assert len(runs) >= 2 and sum(runs) == len(written)
        # In the order written, the keys only go back where a new run starts.
        backwards = sum(1 for a, b in zip(written, written[1:], strict=False) if b < a)
        assert backwards < len(runs)
    else:
        assert runs == []
