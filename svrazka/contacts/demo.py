"""A realistic demo workspace: a Bulgarian NGO with Greek and Romanian partners, sponsors, media
and public bodies, people with names in Cyrillic, Greek and Latin."""

from datetime import date

from django.db import transaction

from svrazka.accounts import services as accounts
from svrazka.accounts.models import Membership, Role, Workspace
from svrazka.contacts import services
from svrazka.contacts.models import Organisation, Person, Tag
from svrazka.lib.identifiers import _eik_check_digit

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@svrazka.localhost"
DEMO_PASSWORD = "svrazka-demo"
VIEWER_EMAIL = "viewer@svrazka.localhost"


def eik(first8: str) -> str:
    return first8 + str(
        _eik_check_digit(first8, (1, 2, 3, 4, 5, 6, 7, 8), (3, 4, 5, 6, 7, 8, 9, 10))
    )


CAUSES = [
    "Образование",
    "Младежи",
    "Околна среда",
    "Социално включване",
    "Култура",
    "Дигитални умения",
    "Психично здраве",
    "Гражданско участие",
]
TAGS = ["Erasmus+", "потенциален партньор", "спонсор", "медия", "Interreg", "ключов контакт"]

# name, short, kind, country, city, causes, tags, where found, extra
ORGANISATIONS = [
    (
        "Сдружение „Младежки алианс за развитие“",
        "МАР",
        "ngo",
        "BG",
        "Пловдив",
        ["Младежи", "Образование"],
        ["Erasmus+"],
        "previous_project",
        {"eik": eik("11557799")},
    ),
    (
        "Фондация „Зелени Родопи“",
        "",
        "foundation",
        "BG",
        "Смолян",
        ["Околна среда"],
        ["потенциален партньор"],
        "conference",
        {"eik": eik("20456712")},
    ),
    (
        "Български център за нестопанско право",
        "БЦНП",
        "ngo",
        "BG",
        "София",
        ["Гражданско участие"],
        ["ключов контакт"],
        "network",
        {"eik": eik("12160302")},
    ),
    (
        "Сдружение „Психолози за общността“",
        "",
        "ngo",
        "BG",
        "Варна",
        ["Психично здраве"],
        ["потенциален партньор"],
        "social_media",
        {},
    ),
    (
        "Κέντρο Κοινωνικής Ένταξης Θεσσαλονίκης",
        "KKE Thess",
        "ngo",
        "GR",
        "Θεσσαλονίκη",
        ["Социално включване"],
        ["Erasmus+", "Interreg"],
        "platform",
        {"pic": "948123456"},
    ),
    (
        "Εταιρεία Πολιτισμού Ξάνθης",
        "",
        "ngo",
        "GR",
        "Ξάνθη",
        ["Култура"],
        ["Interreg"],
        "event",
        {"pic": "912345678"},
    ),
    (
        "Asociația Tineri pentru Europa",
        "ATE",
        "ngo",
        "RO",
        "Iași",
        ["Младежи", "Гражданско участие"],
        ["Erasmus+"],
        "previous_project",
        {"pic": "934567812", "oid": "E10123456"},
    ),
    (
        "Fundația Comunitară Dobrogea",
        "",
        "foundation",
        "RO",
        "Constanța",
        ["Социално включване"],
        ["потенциален партньор"],
        "website",
        {},
    ),
    (
        "Технологии за хората ООД",
        "",
        "company",
        "BG",
        "София",
        ["Дигитални умения"],
        ["спонсор"],
        "event",
        {"eik": eik("20311458"), "vat": ""},
    ),
    (
        "Пловдивска банка за добро АД",
        "",
        "company",
        "BG",
        "Пловдив",
        ["Социално включване"],
        ["спонсор"],
        "referral",
        {"eik": eik("11500112")},
    ),
    ("Радио „Тракия“", "", "media", "BG", "Пловдив", ["Култура"], ["медия"], "event", {}),
    (
        "Дневник Онлайн",
        "",
        "media",
        "BG",
        "София",
        ["Гражданско участие"],
        ["медия"],
        "website",
        {},
    ),
    (
        "Община Пловдив",
        "",
        "public_body",
        "BG",
        "Пловдив",
        ["Образование", "Култура"],
        [],
        "network",
        {"eik": eik("00047223")},
    ),
    (
        "Регионално управление на образованието – Смолян",
        "РУО Смолян",
        "public_body",
        "BG",
        "Смолян",
        ["Образование"],
        [],
        "workshop",
        {},
    ),
    (
        "Πανεπιστήμιο Μακεδονίας",
        "UoM",
        "education",
        "GR",
        "Θεσσαλονίκη",
        ["Образование"],
        ["Erasmus+"],
        "conference",
        {"pic": "999864846"},
    ),
    (
        "Universitatea „Alexandru Ioan Cuza“",
        "UAIC",
        "education",
        "RO",
        "Iași",
        ["Образование", "Дигитални умения"],
        ["Erasmus+"],
        "previous_project",
        {"pic": "999842829"},
    ),
    (
        "Коалиция „Деца и семейства“",
        "",
        "network",
        "BG",
        "София",
        ["Социално включване", "Младежи"],
        ["ключов контакт"],
        "network",
        {},
    ),
    (
        "Доброволци от Гоце Делчев",
        "",
        "informal_group",
        "BG",
        "Гоце Делчев",
        ["Гражданско участие"],
        [],
        "event",
        {},
    ),
]

# given, middle, family, other spelling, country, org index, position, email, phone, tags
PEOPLE = [
    (
        "Мария",
        "Петрова",
        "Иванова",
        "Maria Ivanova",
        "BG",
        0,
        "Председател",
        "maria.ivanova@example.bg",
        "0888 123 456",
        ["ключов контакт"],
    ),
    (
        "Христо",
        "",
        "Петров",
        "Hristo Petrov",
        "BG",
        0,
        "Координатор на проекти",
        "h.petrov@example.bg",
        "+359 887 555 012",
        ["Erasmus+"],
    ),
    (
        "Георги",
        "",
        "Живков",
        "Georgi Zhivkov",
        "BG",
        1,
        "Изпълнителен директор",
        "g.zhivkov@example.bg",
        "0899 300 400",
        [],
    ),
    ("Цветана", "", "Стоянова", "", "BG", 2, "Юрист", "tsvetana@example.bg", "", []),
    (
        "Йорданка",
        "",
        "Димитрова",
        "Yordanka Dimitrova",
        "BG",
        3,
        "Психолог",
        "yordanka@example.bg",
        "0878 222 111",
        ["потенциален партньор"],
    ),
    ("Ивелина", "", "Николова", "", "BG", 3, "Психолог", "ivelina@example.bg", "", []),
    (
        "Νίκος",
        "",
        "Παπαδόπουλος",
        "Nikos Papadopoulos",
        "GR",
        4,
        "Διευθυντής",
        "n.papadopoulos@example.gr",
        "+30 231 012 3456",
        ["Interreg"],
    ),
    (
        "Ελένη",
        "",
        "Γεωργίου",
        "Eleni Georgiou",
        "GR",
        5,
        "Project manager",
        "eleni@example.gr",
        "+30 694 123 4567",
        [],
    ),
    (
        "Andreea",
        "",
        "Popescu",
        "Андреа Попеску",
        "RO",
        6,
        "President",
        "andreea.popescu@example.ro",
        "+40 721 234 567",
        ["Erasmus+"],
    ),
    ("Ștefan", "", "Ionescu", "", "RO", 7, "Program director", "stefan@example.ro", "", []),
    (
        "Александър",
        "",
        "Василев",
        "Aleksandar Vasilev",
        "BG",
        8,
        "Управител",
        "a.vasilev@example.com",
        "0888 765 432",
        ["спонсор"],
    ),
    ("Петя", "", "Колева", "", "BG", 9, "КСО мениджър", "p.koleva@example.bg", "", ["спонсор"]),
    (
        "Димитър",
        "",
        "Тодоров",
        "Dimitar Todorov",
        "BG",
        10,
        "Репортер",
        "dimitar@example.bg",
        "",
        ["медия"],
    ),
    ("Вяра", "", "Ангелова", "", "BG", 11, "Редактор", "vyara@example.bg", "", ["медия"]),
    (
        "Станислав",
        "",
        "Георгиев",
        "",
        "BG",
        12,
        "Експерт „Европейски програми“",
        "s.georgiev@example.bg",
        "032 656 700",
        [],
    ),
    (
        "Σοφία",
        "",
        "Κωνσταντίνου",
        "Sofia Konstantinou",
        "GR",
        14,
        "Professor",
        "sofia.k@example.gr",
        "",
        ["Erasmus+"],
    ),
    ("Mihai", "", "Constantinescu", "", "RO", 15, "Lecturer", "mihai.c@example.ro", "", []),
    (
        "Radostina",
        "",
        "Koleva",
        "Радостина Колева",
        "BG",
        16,
        "Coordinator",
        "radostina@example.org",
        "",
        ["ключов контакт"],
    ),
    ("Ванко", "", "Стефанов", "", "BG", 17, "Доброволец", "", "0877 010 203", []),
    ("Emma", "", "Schneider", "", "DE", None, "", "emma.schneider@example.de", "", []),
]


@transaction.atomic
def load_demo() -> Workspace:
    for old in Workspace.objects.filter(slug=DEMO_SLUG):
        # What rows point at without a constraint, locked before they are gathered
        # (services.hold).
        for model in (Person, Tag, Organisation):
            ids = model.objects.filter(workspace=old).values_list("pk", flat=True)
            services.hold(model, old.pk, ids, delete=True)
        old.delete()
    owner, _ = accounts.user_get_or_create(email=DEMO_EMAIL, password=DEMO_PASSWORD)
    if not owner.full_name:
        owner.full_name = "Demo Coordinator"
        owner.save(update_fields=["full_name"])
    workspace = accounts.workspace_create(
        slug=DEMO_SLUG, name="Сдружение „Мостове“ (демо)", owner=owner
    )
    viewer, _ = accounts.user_get_or_create(email=VIEWER_EMAIL, password=DEMO_PASSWORD)
    Membership.objects.create(workspace=workspace, user=viewer, role=Role.VIEWER)

    causes = {n: services.cause_get_or_create(workspace=workspace, name=n) for n in CAUSES}
    tags = {n: services.tag_get_or_create(workspace=workspace, name=n) for n in TAGS}
    orgs = []
    for i, (name, short, kind, country, city, cs, ts, found, extra) in enumerate(ORGANISATIONS):
        orgs.append(
            services.organisation_create(
                workspace=workspace,
                actor=owner,
                data={
                    "name": name,
                    "short_name": short,
                    "kind": kind,
                    "country": country,
                    "city": city,
                    "causes": [causes[c] for c in cs],
                    "tags": [tags[t] for t in ts],
                    "where_found": found,
                    "languages": {"BG": ["bg", "en"], "GR": ["el", "en"], "RO": ["ro", "en"]}[
                        country
                    ],
                    "last_verified": date(2026, 1 + i % 10, 1) if i % 3 else None,
                    "website": f"https://org{i + 1}.example.org",
                    **extra,
                },
            )
        )
    people = []
    for given, middle, family, other, country, org_i, position, email, phone, ts in PEOPLE:
        person = services.person_create(
            workspace=workspace,
            actor=owner,
            data={
                "given_name": given,
                "middle_name": middle,
                "family_name": family,
                "other_spelling": other,
                "country": country,
                "emails": [email] if email else [],
                "phones": [phone] if phone else [],
                "tags": [tags[t] for t in ts],
                "languages": {
                    "BG": ["bg", "en"],
                    "GR": ["el", "en"],
                    "RO": ["ro", "en"],
                    "DE": ["de", "en"],
                }[country],
                "preferred_channel": "email" if email else "phone",
                "consent": "given",
                "consent_source": "Подписана декларация на събитие",
            },
        )
        people.append(person)
        if org_i is not None:
            services.affiliation_create(
                workspace=workspace,
                actor=owner,
                person=person,
                organisation=orgs[org_i],
                data={"position": position, "start_date": date(2019 + org_i % 6, 3, 1)},
            )
    _demo_partnerships(workspace, owner, orgs, people)
    _demo_network(workspace, owner, orgs, people)
    return workspace


def _demo_network(workspace, owner, orgs, people) -> None:
    """A few relationships, two EU projects as CORDIS would list them, and a first metrics
    snapshot, so the network map, warm paths and trends have something to show."""
    from svrazka.network import metrics
    from svrazka.network import services as network
    from svrazka.partnerships.models import JointProject, ProjectParticipant

    ties = [
        (0, 1, "mentor_of", 5, date(2021, 9, 1)),
        (1, 2, "knows", 3, date(2022, 5, 10)),
        (2, 3, "introduced_by", 2, date(2023, 2, 1)),
        (3, 4, "knows", 4, date(2020, 1, 15)),
        (4, 5, "adviser_of", 4, date(2024, 6, 1)),
    ]
    for a, b, kind, strength, since in ties:
        if max(a, b) < len(people):
            network.relationship_create(
                workspace=workspace, actor=owner, kind=kind, source=people[a],
                target=people[b], strength=strength, started_on=since,
            )  # fmt: skip
    projects = [
        ("101000101", "GREENYOUTH", "Young people for greener Balkan cities", "SC5", 2019),
        ("101000202", "DIGINCL", "Digital inclusion of rural communities", "SC6", 2021),
    ]
    for n, (pid, acronym, title, topics, year) in enumerate(projects):
        project = JointProject.objects.create(
            workspace=workspace, source="cordis", external_id=pid, acronym=acronym, title=title,
            topics=topics, programme="H2020", start_date=date(year, 1, 1),
            end_date=date(year + 3, 12, 31), status="completed",
        )  # fmt: skip
        members = orgs[n : n + 4] if len(orgs) >= n + 4 else orgs
        for i, org in enumerate(members):
            ProjectParticipant.objects.create(
                workspace=workspace, project=project, organisation=org,
                role="coordinator" if i == 0 else "participant",
            )  # fmt: skip
    metrics.take_snapshot(workspace, actor=owner)


def _demo_partnerships(workspace, owner, orgs, people) -> None:
    from svrazka.partnerships import services as partnerships

    coalition = partnerships.partnership_create(
        workspace=workspace,
        actor=owner,
        data={
            "title": "Обединение „Млади хора на Балканите“",
            "form": "coalition",
            "status": "active",
            "goals": "Повече възможности за млади хора в Родопите, Тракия и Добруджа.",
            "liaison": owner,
            "start_date": date(2025, 9, 1),
            "end_date": date(2027, 8, 31),
        },
    )
    for org_i, role, person_i in ((0, "lead", 0), (4, "partner", 6), (6, "partner", 8)):
        partnerships.partner_add(
            partnership=coalition,
            actor=owner,
            organisation=orgs[org_i],
            role=role,
            liaison=people[person_i],
        )
    partnerships.partnership_move(partnership=coalition, actor=owner, step="joint_projects")
    for item in coalition.checklist.filter(
        step__in=["favourable_conditions", "strategy", "contact", "negotiate"]
    ):
        partnerships.checklist_item_set_done(item=item, actor=owner, done=True)
    partnerships.project_save(
        partnership=coalition,
        actor=owner,
        data={
            "title": "Youth Bridges",
            "programme": "Erasmus+ KA2",
            "status": "running",
            "start_date": date(2025, 11, 1),
            "end_date": date(2027, 10, 31),
            "budget": 250000,
            "currency": "EUR",
        },
    )
    media = partnerships.partnership_create(
        workspace=workspace,
        actor=owner,
        data={
            "title": "Медийно партньорство с Радио „Тракия“",
            "form": "media",
            "status": "negotiating",
            "liaison": owner,
        },
    )
    partnerships.partner_add(
        partnership=media,
        actor=owner,
        organisation=orgs[10],
        role="media_partner",
        liaison=people[12],
    )
    partnerships.partnership_move(partnership=media, actor=owner, step="negotiate")
    sponsorship = partnerships.partnership_create(
        workspace=workspace,
        actor=owner,
        data={
            "title": "Спонсорство „Дигитални умения“",
            "form": "sponsorship",
            "status": "exploring",
        },
    )
    partnerships.partner_add(
        partnership=sponsorship,
        actor=owner,
        organisation=orgs[8],
        role="sponsor",
        liaison=people[10],
    )
    partnerships.partnership_move(partnership=sponsorship, actor=owner, step="strategy")
    webinars = partnerships.partnership_create(
        workspace=workspace,
        actor=owner,
        data={
            "title": "Съвместни уебинари с психолози",
            "form": "informal_coalition",
            "status": "on_hold",
            "goals": "Безплатни уебинари за родители.",
        },
    )
    partnerships.partner_add(
        partnership=webinars, actor=owner, organisation=orgs[3], role="partner", liaison=people[4]
    )
    partnerships.partnership_move(partnership=webinars, actor=owner, step="evaluate")
    _demo_agreement_and_evaluation(coalition, webinars, owner, people)
    _demo_touchpoints(workspace, owner, coalition, webinars, people)


def _demo_agreement_and_evaluation(coalition, webinars, owner, people) -> None:
    from svrazka.partnerships import agreements, evaluations

    agreement = agreements.agreement_create(
        partnership=coalition,
        actor=owner,
        data={
            "title": "Споразумение за партньорство",
            "language": "bg",
            "start_date": date(2025, 9, 1),
            "end_date": date(2027, 8, 31),
        },
    )
    for person_i, org in ((0, coalition.partners.all()[0].organisation),):
        agreements.signatory_add(
            agreement=agreement, actor=owner, person=people[person_i], organisation=org
        )
    # The forum story of the seeds: joint webinars that worked, until the partners stopped
    # answering. Our evaluation, as the course asked for it.
    evaluations.evaluation_submit_ours(
        partnership=webinars,
        actor=owner,
        answers={
            "created": "Намерихме се в социалните мрежи и решихме да правим общи уебинари.",
            "initiated": "Ние предложихме първия уебинар; разпределихме темите по имейл.",
            "useful_both": "Да, в началото и двете страни получиха нова аудитория.",
            "useful_community": "Родителите получиха безплатни консултации.",
            "challenges": "Партньорите просто спряха да отговарят.",
            "overcome": "Не успяхме: нямахме споразумение и уговорен ритъм на контакт.",
            "change": "Бихме сключили споразумение с ясни отговорности и срокове за отговор.",
        },
        ratings={
            "goals_met": 3,
            "communication": 1,
            "responsiveness": 1,
            "contributions_delivered": 2,
            "would_partner_again": 2,
        },
    )


def _demo_touchpoints(workspace, owner, coalition, webinars, people) -> None:
    """Weeks of touchpoints, dated back from today so the demo stays current: a coalition in
    good shape except one partner who stopped answering days ago, the forum story's webinars
    that went quiet, and follow-up tasks."""
    from datetime import timedelta

    from django.utils import timezone

    from svrazka.touchpoints import followups, health
    from svrazka.touchpoints import services as touchpoints

    now = timezone.now().replace(second=0, microsecond=0)

    def log(person, days_ago, direction, channel="email", partnership=coalition, **kw):
        return touchpoints.log_interaction(
            workspace=workspace,
            actor=owner,
            channel=channel,
            direction=direction,
            occurred_at=now - timedelta(days=days_ago),
            people=[person],
            users=[owner],
            partnership=partnership,
            **kw,
        )

    # The lead partner and the second partner: weekly emails answered within a day.
    for person in (people[0], people[6]):
        for week in range(8, 0, -1):
            log(person, week * 7 + 0.2, "out", subject="Седмичен преглед на дейностите")
            log(person, week * 7 - 0.5, "in", subject="Re: Седмичен преглед на дейностите")
    log(people[0], 3, "out", "meeting", summary="Среща в Пловдив: график на обученията.")
    # The third partner answered in hours for two months, then nothing for six days.
    for week in range(8, 1, -1):
        log(people[8], week * 7 + 0.3, "out", subject="Обучения за младежки работници")
        log(people[8], week * 7 + 0.1, "in", subject="Re: Обучения за младежки работници")
    log(
        people[8],
        6,
        "out",
        subject="Спешно: списък на участниците",
        summary="Молим за списъка до петък.",
        awaiting_reply=True,
        reply_expected_by=(now - timedelta(days=2)).date(),
    )
    # The forum story: joint webinars, quick replies, then the partner stopped answering.
    for k, days in enumerate((150, 135, 120, 105)):
        log(people[4], days, "out", partnership=webinars, subject=f"Уебинар {k + 1}")
        log(people[4], days - 1, "in", partnership=webinars, subject=f"Re: Уебинар {k + 1}")
    log(
        people[4],
        90,
        "out",
        partnership=webinars,
        subject="Следващият уебинар?",
        awaiting_reply=True,
        reply_expected_by=(now - timedelta(days=83)).date(),
    )
    log(people[4], 60, "out", "phone", partnership=webinars, summary="Не вдигна.")

    today = timezone.localdate()
    followups.task_create(
        workspace=workspace,
        actor=owner,
        data={
            "title": "Обади се на партньора за списъка на участниците",
            "assignee": owner,
            "due_date": today - timedelta(days=1),
            "person": people[8],
            "partnership": coalition,
        },
    )
    followups.task_create(
        workspace=workspace,
        actor=owner,
        data={
            "title": "Месечен отчет към партньорите в обединението",
            "assignee": owner,
            "due_date": today,
            "recurrence": "monthly",
            "partnership": coalition,
        },
    )
    followups.task_create(
        workspace=workspace,
        actor=owner,
        data={
            "title": "Благодарствено писмо до спонсора",
            "assignee": owner,
            "due_date": today + timedelta(days=5),
        },
    )
    health.recompute_all(workspace)
