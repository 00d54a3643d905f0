"""Build a large, realistic workspace for the benchmarks (see bench/README.md).

    manage.py seed_bench --workspace bench --orgs 100000 --people 1000000 [--seed 1] [--jobs N]

Deletes the workspace of that slug first, then fills it with organisations and people whose names
follow the real mix of a Bulgarian NGO's contacts: Bulgarian (Cyrillic) ~70 %, Greek ~15 %,
Romanian ~15 %, with realistic name frequencies, emails, phones, causes, tags and affiliations.

Search tokens and sort keys are exactly those the services compute (``translit.tokens`` and
``translit.sort_key``, which the tokens carry too), built from per-name caches: names repeat, so
each distinct name is folded once. A sample of every run is checked against the services' own
functions before loading.

Speed: rows are generated in worker processes (deterministic per chunk, so the result does not
depend on ``--jobs``) while the main process writes them: SQLite through ``executemany`` on the raw
connection, PostgreSQL through ``COPY``. People and organisations get their ids here (from
``max(id)``), child rows get theirs from the database. One transaction per chunk. For a big load
the contact tables' secondary indexes are dropped and built again at the end (their definitions
wait in a temp file, so an interrupted run restores them the next time); on PostgreSQL a superuser
session turns off the per-row foreign-key triggers (``--check-references`` checks afterwards).
"""

import bisect
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import re
import tempfile
import time
from collections import deque
from datetime import date
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import ForeignKey

from svrazka.accounts.models import Membership, Role, Workspace
from svrazka.contacts import services
from svrazka.contacts.models import (
    Affiliation,
    Cause,
    Organisation,
    OrganisationCause,
    OrganisationTag,
    OrganisationToken,
    Person,
    PersonCause,
    PersonEmail,
    PersonPhone,
    PersonTag,
    PersonToken,
    Tag,
)
from svrazka.lib import identifiers, translit
from svrazka.lib.bulkload import Formats, Table, copy_text, secondary_indexes

OWNER_EMAIL = "bench@svrazka.localhost"
OWNER_PASSWORD = "bench-password"
PEOPLE_CHUNK = 20_000
ORGS_CHUNK = 10_000
VERIFY_PEOPLE = 3_000
VERIFY_ORGS = 500

# --- name data --------------------------------------------------------------------------------
# Lists are ordered from the most to the least common; weights fall off as a Zipf law.

BG_MALE = (  # given name : the family name / patronymic made from it
    "Георги:Георгиев Иван:Иванов Димитър:Димитров Николай:Николаев Петър:Петров "
    "Христо:Христов Йордан:Йорданов Стефан:Стефанов Тодор:Тодоров Александър:Александров "
    "Васил:Василев Стоян:Стоянов Атанас:Атанасов Ангел:Ангелов Красимир:Красимиров "
    "Мартин:Мартинов Пламен:Пламенов Кирил:Кирилов Борис:Борисов Валентин:Валентинов "
    "Любомир:Любомиров Емил:Емилов Владимир:Владимиров Михаил:Михайлов Илия:Илиев "
    "Виктор:Викторов Даниел:Даниелов Калоян:Калоянов Марин:Маринов Цветан:Цветанов "
    "Костадин:Костадинов Павел:Павлов Симеон:Симеонов Андрей:Андреев Веселин:Веселинов "
    "Росен:Росенов Радослав:Радославов Светослав:Светославов Венцислав:Венциславов "
    "Огнян:Огнянов Асен:Асенов Живко:Живков Петко:Петков Марко:Марков Трифон:Трифонов "
    "Здравко:Здравков Младен:Младенов Благой:Благоев Добромир:Добромиров Лъчезар:Лъчезаров "
    "Славчо:Славчев Кольо:Колев Радко:Радков Янко:Янков Валери:Валериев Деян:Деянов "
    "Теодор:Теодоров Божидар:Божидаров Самуил:Самуилов Никола:Николов Спас:Спасов "
    "Стойко:Стойков Христиан:Христианов Ясен:Ясенов Кристиан:Кристианов"
)
BG_FEMALE = (
    "Мария Иванка Елена Йорданка Пенка Маргарита Виолета Лиляна Цветанка Радка Надежда Анна "
    "Румяна Стефка Снежана Росица Даниела Десислава Милена Гергана Николета Петя Теодора "
    "Виктория Габриела Ивелина Александра Кристина Симона Цветелина Емилия Силвия Веселина "
    "Мирела Яна Ралица Галина Красимира Антония Вяра Деница Борислава Христина Ваня Зорница "
    "Калина Полина Доротея Магдалена Величка Боряна Биляна Анелия Екатерина"
)
BG_FAMILY = (  # male forms; the female form adds -а (-ски becomes -ска)
    "Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев Атанасов "
    "Петков Ангелов Колев Йорданов Маринов Стефанов Попов Михайлов Кръстев Костов Димов Павлов "
    "Костадинов Митев Симеонов Цветков Александров Марков Спасов Лазаров Добрев Младенов "
    "Андреев Янев Радев Русев Станчев Вълчев Киров Ненов Пенев Славов Желязков Стойчев Дончев "
    "Божинов Панайотов Миланов Недялков Станков Стоев Кирилов Борисов Бонев Пеев Събев Сотиров "
    "Ганчев Цонев Калчев Найденов Делчев Вълков Грозданов Чакъров Терзиев Хаджиев Ковачев "
    "Арнаудов Мутафчиев Шишков Казаков Кочев Тошев Гочев Трифонов Петрунов Стоименов Манолов "
    "Дамянов Узунов Караиванов Пашов Бояджиев Славейков Бакърджиев Кюркчиев Райков Петровски "
    "Раковски Бенковски Маджарски Попиванов Хаджиниколов Карагьозов Чолаков Джамбазов Куртев "
    "Гърдев Бъчваров Йотов Ценов Личев Панчев Мечкаров Дюлгеров"
)
GR_MALE = (  # given name : genitive, the Greek middle name (father's name)
    "Γιώργος:Γεωργίου Δημήτρης:Δημητρίου Κωνσταντίνος:Κωνσταντίνου Γιάννης:Ιωάννου "
    "Νίκος:Νικολάου Παναγιώτης:Παναγιώτη Βασίλης:Βασιλείου Χρήστος:Χρήστου "
    "Θανάσης:Αθανασίου Μιχάλης:Μιχαήλ Βαγγέλης:Ευαγγέλου Σπύρος:Σπυρίδωνος "
    "Αντώνης:Αντωνίου Τάσος:Αναστασίου Θοδωρής:Θεοδώρου Ανδρέας:Ανδρέα Σταύρος:Σταύρου "
    "Αλέξανδρος:Αλεξάνδρου Μανώλης:Εμμανουήλ Ηλίας:Ηλία Πέτρος:Πέτρου Στέφανος:Στεφάνου "
    "Άγγελος:Αγγέλου Θωμάς:Θωμά Απόστολος:Αποστόλου Χαράλαμπος:Χαραλάμπους Φώτης:Φωτίου "
    "Λεωνίδας:Λεωνίδα Κυριάκος:Κυριάκου Γρηγόρης:Γρηγορίου"
)
GR_FEMALE = (
    "Μαρία Ελένη Κατερίνα Βασιλική Σοφία Αγγελική Γεωργία Δήμητρα Κωνσταντίνα Παναγιώτα "
    "Ευαγγελία Ιωάννα Χριστίνα Αναστασία Ειρήνη Αθηνά Δέσποινα Άννα Θεοδώρα Χρυσούλα Ζωή "
    "Φωτεινή Σταυρούλα Αλεξάνδρα Νικολέτα Δανάη Μυρτώ Αικατερίνη Ευτυχία Ελπίδα"
)
GR_FAMILY = (  # male:female (one form when both are the same)
    "Παπαδόπουλος:Παπαδοπούλου Παπαδάκης:Παπαδάκη Παπανικολάου Γεωργίου Οικονόμου Βασιλείου "
    "Παπαγεωργίου Ιωάννου Δημητρίου Νικολάου Κωνσταντινίδης:Κωνσταντινίδου Αθανασίου "
    "Καραγιάννης:Καραγιάννη Παππάς:Παππά Μακρής:Μακρή Αντωνίου Χριστοδούλου "
    "Θεοδωρίδης:Θεοδωρίδου Πετρόπουλος:Πετροπούλου Αλεξίου Γεωργιάδης:Γεωργιάδου "
    "Νικολαΐδης:Νικολαΐδου Ζαχαρίου Μιχαηλίδης:Μιχαηλίδου Λαμπρόπουλος:Λαμπροπούλου "
    "Παπαδημητρίου Σταματόπουλος:Σταματοπούλου Κυριακίδης:Κυριακίδου Χατζηγεωργίου "
    "Αναστασίου Δημόπουλος:Δημοπούλου Κωστόπουλος:Κωστοπούλου Βλάχος:Βλάχου "
    "Αγγελόπουλος:Αγγελοπούλου Τσακίρης:Τσακίρη Μαυρίδης:Μαυρίδου Σαββίδης:Σαββίδου "
    "Παναγιωτόπουλος:Παναγιωτοπούλου Ραπτής:Ραπτή Μπακογιάννης:Μπακογιάννη Γκίκας:Γκίκα "
    "Σιδηρόπουλος:Σιδηροπούλου Τζαννετάκης:Τζαννετάκη Χατζηδάκης:Χατζηδάκη"
)
RO_MALE = (
    "Ion Andrei Alexandru Mihai Gheorghe Constantin Vasile Ștefan Dumitru Florin Nicolae "
    "Adrian Daniel Cristian Marius Bogdan Ionuț Gabriel Răzvan Cătălin Mircea Sorin Radu "
    "Lucian Ovidiu Cosmin Tudor Vlad Octavian Petru Iulian Sebastian"
)
RO_FEMALE = (
    "Maria Elena Ioana Ana Andreea Mihaela Cristina Alexandra Gabriela Daniela Georgiana "
    "Ramona Nicoleta Simona Adriana Roxana Diana Alina Irina Laura Oana Raluca Corina Monica "
    "Anca Iuliana Ecaterina Ileana Camelia Florentina Bianca Larisa"
)
RO_FAMILY = (
    "Popescu Popa Pop Radu Ionescu Dumitru Stan Stoica Gheorghe Matei Constantin Ciobanu Rusu "
    "Munteanu Mihai Lungu Florea Moldovan Dumitrescu Marin Toma Tănase Ene Georgescu Stănescu "
    "Ștefan Dinu Barbu Niculescu Nistor Diaconu Cristea Neagu Vasilescu Sârbu Lazăr Oprea Dobre "
    "Bălan Voicu Preda Năstase Mocanu Anghel Enache Iordache Manole Ardeleanu Mihăilescu "
    "Țurcanu Cozma Coman Drăgan Petrescu Zamfir Ciocan"
)

# city:postal code, most populous first
BG_CITIES = (
    "София:1000 Пловдив:4000 Варна:9000 Бургас:8000 Русе:7000 Стара_Загора:6000 Плевен:5800 "
    "Сливен:8800 Добрич:9300 Шумен:9700 Перник:2300 Хасково:6300 Ямбол:8600 Пазарджик:4400 "
    "Благоевград:2700 Велико_Търново:5000 Враца:3000 Габрово:5300 Асеновград:4230 Видин:3700 "
    "Казанлък:6100 Кърджали:6600 Кюстендил:2500 Монтана:3400 Димитровград:6400 Ловеч:5500 "
    "Силистра:7500 Търговище:7700 Дупница:2600 Разград:7200 Горна_Оряховица:5100 Смолян:4700 "
    "Петрич:2850 Сандански:2800 Самоков:2000 Свищов:5250 Карлово:4300 Ботевград:2140"
)
GR_CITIES = (
    "Αθήνα:10431 Θεσσαλονίκη:54621 Πάτρα:26221 Ηράκλειο:71201 Λάρισα:41221 Βόλος:38221 "
    "Ιωάννινα:45221 Καβάλα:65302 Χανιά:73131 Σέρρες:62122 Αλεξανδρούπολη:68100 Ξάνθη:67100 "
    "Κομοτηνή:69100 Καλαμάτα:24100 Τρίκαλα:42100 Κατερίνη:60100 Δράμα:66100 Ρόδος:85100"
)
RO_CITIES = (
    "București:010011 Cluj-Napoca:400001 Iași:700028 Timișoara:300002 Constanța:900178 "
    "Craiova:200585 Brașov:500007 Galați:800008 Ploiești:100066 Oradea:410001 Brăila:810003 "
    "Arad:310130 Pitești:110014 Sibiu:550163 Bacău:600093 Târgu_Mureș:540026 Baia_Mare:430311 "
    "Buzău:120010 Suceava:720004 Giurgiu:080045 Ruse:7000"
)
OTHER_COUNTRIES = {  # country: (weight, cities, legal form prefix, suffix, language, domain)
    "DE": (14, "Berlin München Hamburg Köln Leipzig", "", " e.V.", "de", "de"),
    "IT": (12, "Roma Milano Napoli Torino Bologna", "Associazione ", " APS", "it", "it"),
    "ES": (10, "Madrid Barcelona Valencia Sevilla Granada", "Asociación ", "", "es", "es"),
    "FR": (7, "Paris Lyon Marseille Lille", "Association ", "", "fr", "fr"),
    "PL": (8, "Warszawa Kraków Wrocław Gdańsk", "Stowarzyszenie ", "", "pl", "pl"),
    "PT": (6, "Lisboa Porto Braga", "Associação ", "", "pt", "pt"),
    "NL": (4, "Amsterdam Rotterdam Utrecht", "Stichting ", "", "nl", "nl"),
    "MK": (6, "Скопје Битола Охрид Штип", "Здружение ", "", "mk", "mk"),
    "RS": (5, "Београд Нови_Сад Ниш", "Удружење ", "", "sr", "rs"),
    "TR": (6, "İstanbul Ankara İzmir Edirne", "", " Derneği", "tr", "org.tr"),
    "HR": (3, "Zagreb Split Rijeka", "Udruga ", "", "hr", "hr"),
    "CY": (3, "Nicosia Limassol Larnaca", "", "", "el", "org.cy"),
    "HU": (3, "Budapest Debrecen Szeged", "", " Egyesület", "hu", "hu"),
    "CZ": (3, "Praha Brno Ostrava", "", " z.s.", "cs", "cz"),
    "AT": (2, "Wien Graz Linz", "Verein ", "", "de", "at"),
    "BE": (3, "Bruxelles Gent Antwerpen", "", " ASBL", "fr", "be"),
    "LT": (2, "Vilnius Kaunas", "Asociacija ", "", "lt", "lt"),
    "SI": (2, "Ljubljana Maribor", "Društvo ", "", "sl", "si"),
    "UA": (2, "Київ Львів Одеса", "ГО ", "", "uk", "org.ua"),
}

BG_PHRASES = (
    "Зелена Европа|Младежка инициатива|Граждански диалог|Бъдеще за децата|Живот без граници|"
    "Равни възможности|Дунавски мост|Родопи за всички|Чиста природа|Културен мост|"
    "Нова перспектива|Активни граждани|Знание и развитие|Здраве и грижа|Надежда|Изгрев|"
    "Светлина|Приятели на планината|Заедно|Право на избор|Дигитално бъдеще|Устойчиво развитие|"
    "Балкански хоризонти|Черноморски диалог|Памет и наследство|Млади лидери|Социални иновации|"
    "Отворени врати|Шанс за всеки|Земя и хора|Подкрепа|Слънчоглед|Европейски пространства|"
    "Тракийско наследство|Еко общност|Мостове|Бели нощи|Посока|Корени и криле|Детски свят|"
    "Нови хоризонти|Творческа работилница|Гражданска мрежа|Солидарност|Хармония"
)
BG_TOPICS = (
    "демокрация|правата на детето|устойчиво развитие|гражданско образование|социална интеграция|"
    "права на човека|културно наследство|медийна грамотност|приобщаващо образование|"
    "градска среда|зелени политики|младежко предприемачество|европейски политики|"
    "неформално образование|психично здраве|доброволчество"
)
BG_FAMOUS = (
    "Христо Ботев|Васил Левски|Иван Вазов|Св. св. Кирил и Методий|Паисий Хилендарски|"
    "Никола Вапцаров|Пейо Яворов|Елин Пелин|Йордан Йовков|Софроний Врачански|"
    "Христо Смирненски|Петко Р. Славейков|Любен Каравелов|Г. С. Раковски|Неофит Рилски|"
    "Св. Климент Охридски|Отец Паисий|Васил Априлов|Димчо Дебелянов|Алеко Константинов"
)
GR_PHRASES = (
    "Πράσινη Ευρώπη|Νέοι Ορίζοντες|Αλληλεγγύη|Ενεργοί Πολίτες|Πολιτιστική Γέφυρα|Ελπίδα|"
    "Κοινωνική Καινοτομία|Ανοιχτές Πόρτες|Βιώσιμη Ανάπτυξη|Ψηφιακό Μέλλον|Αρωγή|Φάρος"
)
RO_PHRASES = (
    "Europa Verde|Tineri pentru Viitor|Dialog Civic|Speranța|Punți Culturale|Cetățeni Activi|"
    "Șanse Egale|Dunărea Unită|Inovare Socială|Viitor Digital|Comunitate Durabilă|Orizonturi Noi"
)
EN_PHRASES = (
    "Green Future|Youth Bridge|Civic Dialogue|Open Horizons|Active Citizens|Culture Link|"
    "Equal Chances|Digital Futures|Social Innovation Lab|Danube Network|Learning Together|"
    "Hope for Children|Inclusive Europe|Next Generation|Rural Voices|Creative Minds"
)
CAUSES = [  # name, weight
    ("Образование", 20), ("Младежи", 16), ("Околна среда", 12), ("Социално включване", 10),
    ("Култура", 9), ("Гражданско участие", 8), ("Дигитални умения", 6), ("Права на човека", 5),
    ("Психично здраве", 4), ("Равенство между половете", 4), ("Миграция и бежанци", 3),
    ("Развитие на селските райони", 3),
]  # fmt: skip
TAGS = [
    ("Erasmus+", 20), ("бюлетин", 16), ("потенциален партньор", 12), ("ключов контакт", 8),
    ("доброволец", 8), ("лектор", 5), ("медия", 5), ("спонсор", 4), ("Interreg", 4),
    ("обучител", 4), ("УС", 2), ("CERV", 2), ("ESC", 3), ("конференция 2025", 3),
    ("дарител", 2), ("експерт", 3), ("алумни", 3), ("ментор", 2),
]  # fmt: skip
POSITIONS = (
    "Председател|Изпълнителен директор|Ръководител проекти|Координатор|Експерт|Учител|Директор|"
    "Доброволец|Член на УС|Счетоводител|PR експерт|Project manager|Coordinator|Director|"
    "Youth worker|Trainer|Researcher|Communication officer|Социален работник|Психолог"
).split("|")
TITLES = ["д-р", "проф.", "доц.", "инж.", "Dr.", "Prof.", "арх."]
NOTES = [
    "Срещнахме се на обучение в Брюксел.",
    "Интерес към съвместен проект по Erasmus+ KA2.",
    "Предпочита кратки имейли; отговаря бързо.",
    "Препоръчан от партньорска организация.",
    "Met at the youth work conference; keen on a partnership.",
    "Говори английски и гръцки.",
]
BG_EMAIL_DOMAINS = [
    ("gmail.com", 40),
    ("abv.bg", 30),
    ("mail.bg", 9),
    ("yahoo.com", 8),
    ("dir.bg", 4),
    ("outlook.com", 5),
    ("hotmail.com", 3),
    ("icloud.com", 1),
]
GR_EMAIL_DOMAINS = [
    ("gmail.com", 45),
    ("yahoo.gr", 15),
    ("hotmail.com", 12),
    ("otenet.gr", 8),
    ("outlook.com", 10),
    ("windowslive.com", 2),
    ("yahoo.com", 8),
]
RO_EMAIL_DOMAINS = [
    ("gmail.com", 50),
    ("yahoo.com", 25),
    ("yahoo.ro", 10),
    ("hotmail.com", 8),
    ("outlook.com", 7),
]
BG_ORG_KINDS = [
    ("ngo", 45),
    ("company", 15),
    ("public_body", 9),
    ("education", 11),
    ("media", 4),
    ("foundation", 6),
    ("network", 3),
    ("informal_group", 3),
    ("other", 4),
]
ORG_COUNTRIES = [("BG", 60), ("GR", 12), ("RO", 15), ("OTHER", 13)]
NATIONALITIES = [("BG", 70), ("GR", 15), ("RO", 15)]
WHERE_FOUND = [
    "conference",
    "seminar",
    "workshop",
    "event",
    "previous_project",
    "website",
    "platform",
    "network",
    "professional_org",
    "referral",
    "social_media",
    "import",
]
CHANNELS = ["email", "phone", "meeting", "video", "social"]


def zipf(items, s: float = 0.9, start: float = 2.0) -> list[tuple]:
    return [(item, 1.0 / (rank + start) ** s) for rank, item in enumerate(items)]


class Weighted:
    """Draw items with the given weights: one random number and a bisection."""

    __slots__ = ("items", "cum", "total", "last")

    def __init__(self, pairs):
        pairs = list(pairs)
        self.items = [item for item, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]
        self.last = len(self.items) - 1

    def pick(self, rng: random.Random):
        i = bisect.bisect_right(self.cum, rng.random() * self.total)
        return self.items[i if i <= self.last else self.last]


def _bg_female_family(name: str) -> str:
    if name.endswith("ски"):
        return name[:-1] + "а"
    if name.endswith(("ов", "ев", "ин")):
        return name + "а"
    return name


def _cities(spec: str) -> Weighted:
    pairs = [part.split(":") for part in spec.split()]
    return Weighted(zipf([(c.replace("_", " "), p) for c, p in pairs], s=1.1, start=1.0))


def eik(first8: str) -> str:
    """A Bulgarian EIK: eight digits and the check digit."""
    digits = [int(d) for d in first8]
    total = sum(d * w for d, w in zip(digits, range(1, 9), strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, range(3, 11), strict=True)) % 11 % 10
    return first8 + str(total)


# --- values as the database stores them ---------------------------------------------------------


CONTACT_FIELDS = [
    "workspace",
    "created_by",
    "website",
    "linkedin",
    "facebook",
    "x",
    "country",
    "languages",
    "where_found",
    "where_found_note",
    "notes",
    "sort_key",
    "version",
    "created_at",
    "updated_at",
]


def _tables() -> dict[str, Table]:
    return {
        "org": Table(
            Organisation,
            [
                "id",
                *CONTACT_FIELDS,
                "name",
                "short_name",
                "kind",
                "eik",
                "pic",
                "oid",
                "vat",
                "email",
                "phone",
                "city",
                "address",
                "last_verified",
            ],
        ),
        "org_cause": Table(OrganisationCause, ["workspace", "organisation", "cause"]),
        "org_tag": Table(OrganisationTag, ["workspace", "organisation", "tag"]),
        "org_token": Table(OrganisationToken, ["workspace", "organisation", "token", "sort_key"]),
        "person": Table(
            Person,
            [
                "id",
                *CONTACT_FIELDS,
                "given_name",
                "middle_name",
                "family_name",
                "other_spelling",
                "title",
                "date_of_birth",
                "street",
                "city",
                "postal_code",
                "preferred_channel",
                "consent",
                "consent_source",
                "consent_date",
            ],
        ),
        "email": Table(PersonEmail, ["workspace", "person", "email", "position"]),
        "phone": Table(PersonPhone, ["workspace", "person", "number", "position"]),
        "person_cause": Table(PersonCause, ["workspace", "person", "cause"]),
        "person_tag": Table(PersonTag, ["workspace", "person", "tag"]),
        "affiliation": Table(
            Affiliation,
            [
                "workspace",
                "person",
                "organisation",
                "position",
                "start_date",
                "end_date",
                "created_at",
                "version",
            ],
        ),
        "person_token": Table(PersonToken, ["workspace", "person", "token", "sort_key"]),
    }


# --- the generator ----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


class Generator:
    """Makes rows; keeps the caches of tokens and sort keys per distinct name."""

    def __init__(
        self,
        *,
        vendor: str,
        workspace_id: int,
        owner_id: int,
        causes: list[int],
        tags: list[int],
        now: float,
    ):
        self.fmt = Formats(vendor)
        self.ws = workspace_id
        self.owner = owner_id
        self.now = now
        self.causes = Weighted(zip(causes, [w for _, w in CAUSES], strict=True))
        self.tags = Weighted(zip(tags, [w for _, w in TAGS], strict=True))
        self._text_tokens: dict[str, frozenset[str]] = {}
        self._word_tokens: dict[str, frozenset[str]] = {}
        self._sort_keys: dict[str, str] = {}
        self._latin: dict[str, str] = {}
        # organisations: filled in by set_organisations() before people are made
        self.orgs_by_country: dict[str, list[tuple[int, str]]] = {}
        self.all_orgs: list[tuple[int, str]] = []

        bg_male = [pair.split(":") for pair in BG_MALE.split()]
        gr_male = [pair.split(":") for pair in GR_MALE.split()]
        bg_family = BG_FAMILY.split()
        gr_family = [(p.split(":") * 2)[:2] for p in GR_FAMILY.split()]
        self.nations = {
            "BG": {
                "male": Weighted(zipf([g for g, _ in bg_male])),
                "female": Weighted(zipf(BG_FEMALE.split())),
                "patronymic": Weighted(zipf([p for _, p in bg_male])),
                "family_m": Weighted(zipf(bg_family, s=1.0, start=3.0)),
                "family_f": Weighted(
                    zipf([_bg_female_family(f) for f in bg_family], s=1.0, start=3.0)
                ),
                "cities": _cities(BG_CITIES),
                "domains": Weighted(BG_EMAIL_DOMAINS),
                "languages": ['["bg"]', '["bg", "en"]', '["bg", "en", "de"]', '["bg", "ru"]'],
                "phone": ("+359", ["87", "88", "89", "98"], 7),
            },
            "GR": {
                "male": Weighted(zipf([g for g, _ in gr_male])),
                "female": Weighted(zipf(GR_FEMALE.split())),
                "patronymic": Weighted(zipf([p for _, p in gr_male])),
                "family_m": Weighted(zipf([m for m, _ in gr_family], s=1.0, start=3.0)),
                "family_f": Weighted(zipf([f for _, f in gr_family], s=1.0, start=3.0)),
                "cities": _cities(GR_CITIES),
                "domains": Weighted(GR_EMAIL_DOMAINS),
                "languages": ['["el"]', '["el", "en"]', '["el", "en", "bg"]'],
                "phone": ("+30", ["690", "693", "694", "695", "697", "698", "699"], 7),
            },
            "RO": {
                "male": Weighted(zipf(RO_MALE.split())),
                "female": Weighted(zipf(RO_FEMALE.split())),
                "patronymic": None,
                "family_m": Weighted(zipf(RO_FAMILY.split(), s=1.0, start=3.0)),
                "family_f": Weighted(zipf(RO_FAMILY.split(), s=1.0, start=3.0)),
                "cities": _cities(RO_CITIES),
                "domains": Weighted(RO_EMAIL_DOMAINS),
                "languages": ['["ro"]', '["ro", "en"]', '["ro", "en", "fr"]'],
                "phone": ("+40", ["72", "73", "74", "75", "76", "77"], 7),
            },
        }
        self.nationality = Weighted(NATIONALITIES)
        self.org_country = Weighted(ORG_COUNTRIES)
        self.other_country = Weighted((c, v[0]) for c, v in OTHER_COUNTRIES.items())
        self.org_kind = Weighted(BG_ORG_KINDS)
        self.bg_phrases = BG_PHRASES.split("|")
        self.bg_topics = BG_TOPICS.split("|")
        self.bg_famous = BG_FAMOUS.split("|")
        self.gr_phrases = GR_PHRASES.split("|")
        self.ro_phrases = RO_PHRASES.split("|")
        self.en_phrases = EN_PHRASES.split("|")

    # -- keys, exactly as the services compute them, cached ---------------------------------

    def text_tokens(self, text: str) -> frozenset[str]:
        """translit.tokens(text): a union over whitespace chunks, so cache by chunk."""
        hit = self._text_tokens.get(text)
        if hit is None:
            hit = frozenset().union(*(self.word_tokens(chunk) for chunk in text.split()))
            if len(self._text_tokens) < 400_000:
                self._text_tokens[text] = hit
        return hit

    def word_tokens(self, chunk: str) -> frozenset[str]:
        hit = self._word_tokens.get(chunk)
        if hit is None:
            if chunk.isascii() and chunk.isdigit():
                hit = frozenset([chunk[: translit.MAX_TOKEN]])  # digits fold to themselves
            elif _ASCII_WORD.fullmatch(chunk):  # folds to itself: its skeleton alone
                hit = frozenset([translit.skeleton(chunk)[: translit.MAX_TOKEN]])
            else:
                hit = frozenset(translit.tokens(chunk))
            if len(self._word_tokens) < 400_000:
                self._word_tokens[chunk] = hit
        return hit

    def email_tokens(self, email: str) -> frozenset[str]:
        """translit.tokens(email) of a lowercase ASCII address: its words and the words joined."""
        words = _WORD.findall(email)
        if len(words) > 1:
            words.append("".join(words))
        return frozenset().union(*(self.word_tokens(w) for w in words))

    def sort_key(self, *parts: str) -> str:
        """translit.sort_key(" ".join(parts)): words are keyed alone and joined by a break."""
        keys = []
        for part in parts:
            key = self._sort_keys.get(part)
            if key is None:
                key = self._sort_keys[part] = translit.sort_key(part)
            if key:
                keys.append(key)
        return "00".join(keys)[: translit.MAX_SORT_KEY]

    def latin(self, name: str) -> str:
        hit = self._latin.get(name)
        if hit is None:
            hit = self._latin[name] = re.sub(r"[^a-z0-9]", "", translit.fold(name))
        return hit

    def latin_title(self, name: str) -> str:
        return "-".join(p.capitalize() for p in translit.fold(name).split("-"))

    # -- small helpers -------------------------------------------------------------------------

    def when(self, rng: random.Random, years: float) -> float:
        return self.now - rng.random() * years * 365.25 * 86400

    def day(self, rng: random.Random, years: float) -> date:
        return date.fromtimestamp(self.when(rng, years))

    def phone(self, rng: random.Random, nation: str) -> str:
        prefix, starts, n = self.nations[nation]["phone"]
        return prefix + rng.choice(starts) + "".join(rng.choices("0123456789", k=n))

    def pick_cause_ids(self, rng: random.Random, n: int) -> list[int]:
        picked: list[int] = []
        while len(picked) < n:
            c = self.causes.pick(rng)
            if c not in picked:
                picked.append(c)
        return picked

    def pick_tag_ids(self, rng: random.Random, n: int) -> list[int]:
        picked: list[int] = []
        while len(picked) < n:
            t = self.tags.pick(rng)
            if t not in picked:
                picked.append(t)
        return picked

    # -- organisations -------------------------------------------------------------------------

    def organisation(self, rng: random.Random) -> dict:
        country = self.org_country.pick(rng)
        kind = self.org_kind.pick(rng)
        r = rng.random
        lang = country
        eik_value = vat = ""
        if country == "BG":
            city, postal = self.nations["BG"]["cities"].pick(rng)
            name = self._bg_org_name(rng, kind, city)
            if kind != "informal_group" and r() < 0.85:
                eik_value = eik("".join(rng.choices("0123456789", k=8)))
                if kind == "company" or r() < 0.15:
                    vat = "BG" + eik_value
            address = f"ул. „{rng.choice(self.bg_famous).split()[-1]}“ {rng.randint(1, 180)}"
            tld = "bg"
        elif country in ("GR", "RO"):
            city, postal = self.nations[country]["cities"].pick(rng)
            phrases = self.gr_phrases if country == "GR" else self.ro_phrases
            if r() < 0.7:
                p = rng.choice(phrases)
                name = f"Σύλλογος «{p}»" if country == "GR" else f"Asociația „{p}”"
                if r() < 0.3:
                    name += f" {city}"
            else:
                name = f"{rng.choice(self.en_phrases)} {city}"
            address = f"{rng.choice(['Odos', 'Strada'])} {rng.randint(1, 120)}"
            tld = "gr" if country == "GR" else "ro"
        else:
            country = self.other_country.pick(rng)
            _, cities, prefix, suffix, lang, tld = OTHER_COUNTRIES[country]
            city = rng.choice(cities.split()).replace("_", " ")
            postal = str(rng.randint(10000, 99999))
            name = f"{prefix}{rng.choice(self.en_phrases)}{suffix}"
            if r() < 0.4:
                name += f" {city}"
            address = f"{rng.randint(1, 200)} {rng.choice(['Main', 'Europa', 'Station'])} st."
        words = _WORD.findall(translit.fold(name))[:3] or ["org"]
        domain = "-".join(words) + f"{rng.randint(1, 99) if r() < 0.3 else ''}.{tld}"
        mailbox = rng.choice(["info", "office", "contact", "hello"])
        email = f"{mailbox}@{domain}" if r() < 0.8 else ""
        short = ""
        if r() < 0.3:
            short = "".join(w[0] for w in name.replace("„", " ").split() if w[0].isalpha())[:8]
            short = short.upper()
        created = self.when(rng, 6)
        return {
            "name": name,
            "short_name": short,
            "kind": kind,
            "country": country,
            "city": city,
            "address": f"{postal} {city}, {address}" if r() < 0.6 else "",
            "eik": eik_value,
            "vat": vat,
            "pic": "".join(rng.choices("0123456789", k=9)) if r() < 0.25 else "",
            "oid": "E1" + "".join(rng.choices("0123456789", k=7)) if r() < 0.2 else "",
            "email": email,
            "domain": domain,
            "phone": self.phone(rng, country) if country in self.nations and r() < 0.6 else "",
            "website": f"https://{domain}/" if r() < 0.7 else "",
            "facebook": f"https://www.facebook.com/{words[0]}{rng.randint(1, 999)}"
            if r() < 0.3
            else "",
            "languages": json.dumps([lang, "en"] if lang != "en" else ["en"]),
            "where_found": rng.choice(WHERE_FOUND) if r() < 0.6 else "",
            "notes": rng.choice(NOTES) if r() < 0.1 else "",
            "created": created,
            "updated": created + r() * (self.now - created),
            "last_verified": self.day(rng, 4) if r() < 0.5 else None,
            "causes": self.pick_cause_ids(rng, rng.choice((1, 1, 2, 2, 3))),
            "tags": self.pick_tag_ids(rng, rng.choice((1, 1, 2))) if r() < 0.3 else [],
        }

    def _bg_org_name(self, rng: random.Random, kind: str, city: str) -> str:
        p = rng.choice(self.bg_phrases)
        if kind == "ngo":
            return rng.choice(
                [
                    f"Сдружение „{p}“",
                    f"Асоциация „{p}“",
                    f"Сдружение „{p} – {city}“",
                    f"Център за {rng.choice(self.bg_topics)}",
                    f"Младежки център „{p}“",
                    f"Институт за {rng.choice(self.bg_topics)}",
                    f"Клуб „{p}“ {city}",
                ]
            )
        if kind == "foundation":
            return rng.choice(
                [
                    f"Фондация „{p}“",
                    f"Фондация „{rng.choice(self.bg_famous)}“",
                    f"Фондация „{p} {city}“",
                ]
            )
        if kind == "company":
            family = self.nations["BG"]["family_m"].pick(rng)
            return rng.choice(
                [f"„{p}“ ЕООД", f"{family} и синове ООД", f"„{family} Консулт“ ЕООД", f"„{p}“ АД"]
            )
        if kind == "public_body":
            return rng.choice(
                [
                    f"Община {city}",
                    f"Областна администрация {city}",
                    f"Регионална библиотека „{rng.choice(self.bg_famous)}“ – {city}",
                    f"Регионално управление на образованието – {city}",
                    f"Дирекция „Социално подпомагане“ – {city}",
                ]
            )
        if kind == "education":
            return rng.choice(
                [
                    f"СУ „{rng.choice(self.bg_famous)}“ – {city}",
                    f"ОУ „{rng.choice(self.bg_famous)}“ – {city}",
                    f"ПГ по туризъм „{rng.choice(self.bg_famous)}“ – {city}",
                    f"{rng.randint(1, 180)} СУ „{rng.choice(self.bg_famous)}“",
                ]
            )
        if kind == "media":
            return rng.choice([f"{city} Днес", f"Радио „{p}“", f"Вестник „{p}“", f"„{p}“ Медия"])
        if kind == "network":
            return rng.choice(
                [
                    f"Мрежа „{p}“",
                    f"Национална мрежа за {rng.choice(self.bg_topics)}",
                    f"Коалиция „{p}“",
                ]
            )
        if kind == "informal_group":
            return rng.choice([f"Инициативен комитет „{p}“", f"Доброволци {city}", f"Група „{p}“"])
        return rng.choice([f"Народно читалище „{p} – {rng.randint(1870, 1990)}“", f"Клуб „{p}“"])

    def organisation_keys(self, o: dict) -> tuple[str, frozenset[str]]:
        sort_key = self._sort_keys.get(o["name"])
        if sort_key is None:
            sort_key = self._sort_keys[o["name"]] = translit.sort_key(o["name"])
        tokens = frozenset().union(
            self.text_tokens(o["name"]),
            self.text_tokens(o["short_name"]),
            self.text_tokens(o["eik"]),
            self.text_tokens(o["pic"]),
            self.text_tokens(o["vat"]),
            self.email_tokens(o["email"]),
            self.text_tokens(o["city"]),
        )
        return sort_key, tokens

    def organisation_rows(self, first_id: int, count: int, rng: random.Random) -> dict:
        rows: dict[str, list] = {"org": [], "org_cause": [], "org_tag": [], "org_token": []}
        meta = []
        ws, dt = self.ws, self.fmt.datetime
        for pk in range(first_id, first_id + count):
            o = self.organisation(rng)
            sort_key, tokens = self.organisation_keys(o)
            rows["org"].append(
                (
                    pk,
                    ws,
                    self.owner,
                    o["website"],
                    "",
                    o["facebook"],
                    "",
                    o["country"],
                    o["languages"],
                    o["where_found"],
                    "",
                    o["notes"],
                    sort_key,
                    1,
                    dt(o["created"]),
                    dt(o["updated"]),
                    o["name"],
                    o["short_name"],
                    o["kind"],
                    o["eik"],
                    o["pic"],
                    o["oid"],
                    o["vat"],
                    o["email"],
                    o["phone"],
                    o["city"],
                    o["address"],
                    self.fmt.date(o["last_verified"]),
                )
            )
            rows["org_cause"].extend((ws, pk, c) for c in o["causes"])
            rows["org_tag"].extend((ws, pk, t) for t in o["tags"])
            rows["org_token"].extend((ws, pk, t, sort_key) for t in tokens)
            meta.append((pk, o["country"], o["domain"]))
        return {"rows": rows, "meta": meta}

    def set_organisations(self, meta: list[tuple[int, str, str]]) -> None:
        self.all_orgs = [(pk, domain) for pk, _, domain in meta]
        for pk, country, domain in meta:
            self.orgs_by_country.setdefault(country, []).append((pk, domain))

    # -- people --------------------------------------------------------------------------------

    def person(self, rng: random.Random) -> dict:
        r = rng.random
        nation = self.nationality.pick(rng)
        n = self.nations[nation]
        female = r() < 0.5
        given = n["female" if female else "male"].pick(rng)
        family = n["family_f" if female else "family_m"].pick(rng)
        middle = ""
        if nation == "BG":
            if r() < 0.55:
                middle = n["patronymic"].pick(rng) + ("а" if female else "")
            if female and r() < 0.03:
                family = f"{family}-{n['family_f'].pick(rng)}"
        elif nation == "GR":
            if r() < 0.2:
                middle = n["patronymic"].pick(rng)
        elif r() < 0.2:
            second = n["female" if female else "male"].pick(rng)
            middle = second if second != given else ""
        other = ""
        if (nation == "BG" and r() < 0.12) or (nation == "GR" and r() < 0.35):
            other = f"{self.latin_title(given)} {self.latin_title(family)}"
        g, f = self.latin(given), self.latin(family)
        emails = [self._email(rng, g, f, n["domains"].pick(rng))]
        org = None
        if r() < 0.7:
            same = self.orgs_by_country.get(nation)
            pool = same if same and r() < 0.8 else self.all_orgs
            org = pool[int(len(pool) * r() ** 1.5)] if pool else None
        if r() < 0.3:
            if org and r() < 0.6:
                second = f"{g}.{f}@{org[1]}"
            else:
                second = self._email(rng, g, f, n["domains"].pick(rng))
            if second not in emails:
                emails.append(second)
        phones = [self.phone(rng, nation)] if r() < 0.5 else []
        city, postal = n["cities"].pick(rng)
        created = self.when(rng, 5)
        consent = "unknown"
        cr = r()
        if cr < 0.4:
            consent = "given"
        elif cr < 0.45:
            consent = "withdrawn"
        return {
            "nation": nation,
            "given": given,
            "middle": middle,
            "family": family,
            "other": other,
            "emails": emails,
            "phones": phones,
            "org": org,
            "title": rng.choice(TITLES) if r() < 0.08 else "",
            "dob": date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
            if r() < 0.35
            else None,
            "city": city if r() < 0.8 else "",
            "postal": postal if r() < 0.4 else "",
            "street": f"ул. {rng.randint(1, 200)}" if nation == "BG" and r() < 0.25 else "",
            "channel": rng.choice(CHANNELS) if r() < 0.4 else "",
            "consent": consent,
            "consent_source": "формуляр за регистрация" if consent == "given" else "",
            "consent_date": self.day(rng, 3) if consent == "given" else None,
            "languages": rng.choice(n["languages"]),
            "linkedin": f"https://www.linkedin.com/in/{g}-{f}-{rng.randint(1, 9999)}"
            if r() < 0.06
            else "",
            "where_found": rng.choice(WHERE_FOUND) if r() < 0.5 else "",
            "notes": rng.choice(NOTES) if r() < 0.05 else "",
            "created": created,
            "updated": created + r() * r() * (self.now - created),
            "causes": self.pick_cause_ids(rng, 1 if r() < 0.6 else 2),
            "tags": self.pick_tag_ids(rng, 1 if r() < 0.7 else 2) if r() < 0.3 else [],
            "position": rng.choice(POSITIONS) if r() < 0.7 else "",
            "start": self.day(rng, 8) if r() < 0.6 else None,
            "ended": r() < 0.15,
        }

    def _email(self, rng: random.Random, g: str, f: str, domain: str) -> str:
        u = rng.random()
        if u < 0.35:
            local = f"{g}.{f}"
        elif u < 0.45:
            local = f"{g}{f}"
        elif u < 0.60:
            local = f"{g[:1]}{f}"
        elif u < 0.65:
            local = f"{g}_{f}"
        elif u < 0.70:
            local = f"{f}.{g}"
        elif u < 0.85:
            local = f"{g}.{f}{rng.randint(1, 99)}"
        elif u < 0.95:
            local = f"{g}{rng.randint(1960, 2005)}"
        else:
            local = f"{f}{rng.randint(1, 999)}"
        return f"{local}@{domain}"

    def person_keys(self, p: dict) -> tuple[str, frozenset[str]]:
        sort_key = self.sort_key(*(x for x in (p["family"], p["given"], p["middle"]) if x))
        parts = [self.text_tokens(p["given"]), self.text_tokens(p["family"])]
        if p["middle"]:
            parts.append(self.text_tokens(p["middle"]))
        if p["other"]:
            parts.append(self.text_tokens(p["other"]))
        parts.extend(self.email_tokens(e) for e in p["emails"])
        for number in p["phones"]:
            parts.append(self.word_tokens(number.lstrip("+")))
            if number.startswith("+359"):
                parts.append(self.word_tokens("0" + number[4:]))
        return sort_key, frozenset().union(*parts)

    def person_rows(self, first_id: int, count: int, rng: random.Random) -> dict:
        names = (
            "person",
            "email",
            "phone",
            "person_cause",
            "person_tag",
            "affiliation",
            "person_token",
        )
        rows: dict[str, list] = {name: [] for name in names}
        ws, dt, d = self.ws, self.fmt.datetime, self.fmt.date
        person, email, phone = rows["person"], rows["email"], rows["phone"]
        pcause, ptag, aff, ptok = (
            rows["person_cause"],
            rows["person_tag"],
            rows["affiliation"],
            rows["person_token"],
        )
        for pk in range(first_id, first_id + count):
            p = self.person(rng)
            sort_key, tokens = self.person_keys(p)
            created = dt(p["created"])
            person.append(
                (
                    pk,
                    ws,
                    self.owner,
                    "",
                    p["linkedin"],
                    "",
                    "",
                    p["nation"],
                    p["languages"],
                    p["where_found"],
                    "",
                    p["notes"],
                    sort_key,
                    1,
                    created,
                    dt(p["updated"]),
                    p["given"],
                    p["middle"],
                    p["family"],
                    p["other"],
                    p["title"],
                    d(p["dob"]),
                    p["street"],
                    p["city"],
                    p["postal"],
                    p["channel"],
                    p["consent"],
                    p["consent_source"],
                    d(p["consent_date"]),
                )
            )
            email.extend((ws, pk, e, i) for i, e in enumerate(p["emails"]))
            phone.extend((ws, pk, n, i) for i, n in enumerate(p["phones"]))
            pcause.extend((ws, pk, c) for c in p["causes"])
            ptag.extend((ws, pk, t) for t in p["tags"])
            ptok.extend((ws, pk, t, sort_key) for t in tokens)
            if p["org"]:
                start, end = p["start"], None
                if p["ended"]:
                    end = self.day(rng, 3)
                    if start and end < start:
                        start, end = end, start
                aff.append((ws, pk, p["org"][0], p["position"], d(start), d(end), created, 1))
        return {"rows": rows}


# --- worker processes -------------------------------------------------------------------------
# The pool is forked after _STATE is set, so workers share the generator's tables (copy on write).

_STATE: dict = {}


def _finish(result: dict, tables: dict[str, Table], vendor: str) -> dict:
    rows = result["rows"]
    for name, table_rows in rows.items():
        extra = tables[name].extra
        if extra:
            table_rows = [row + extra for row in table_rows]
        rows[name] = copy_text(table_rows) if vendor == "postgresql" else table_rows
    return result


def _org_chunk(args: tuple[int, int, int]) -> dict:
    first_id, count, chunk = args
    gen: Generator = _STATE["gen"]
    rng = random.Random(f"{_STATE['seed']}:orgs:{chunk}")
    return _finish(gen.organisation_rows(first_id, count, rng), _STATE["tables"], _STATE["vendor"])


def _person_chunk(args: tuple[int, int, int]) -> dict:
    first_id, count, chunk = args
    gen: Generator = _STATE["gen"]
    rng = random.Random(f"{_STATE['seed']}:people:{chunk}")
    return _finish(gen.person_rows(first_id, count, rng), _STATE["tables"], _STATE["vendor"])


# --- the command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create (or re-create) a large, realistic workspace for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", default="bench", help="slug (default: bench)")
        parser.add_argument("--orgs", type=int, default=100_000)
        parser.add_argument("--people", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            help="worker processes that generate rows (default: on SQLite, where this process "
            "does the database's work, one less than the CPUs; on PostgreSQL, the CPUs)",
        )
        parser.add_argument(
            "--check-references",
            action="store_true",
            help="PostgreSQL: check every foreign key of the new rows at the end",
        )

    def say(self, text: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.t0:7.1f}s] {text}")
        self.stdout.flush()

    def handle(self, *args, **opts):
        self.t0 = time.monotonic()
        slug = opts["workspace"]
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"seed_bench supports SQLite and PostgreSQL, not {vendor}.")
        if opts["jobs"] <= 0:
            cpus = os.cpu_count() or 1
            opts["jobs"] = max(1, cpus - 1) if vendor == "sqlite" else cpus
        self.say(
            f"seeding workspace '{slug}' on {vendor}: {opts['orgs']:,} organisations, "
            f"{opts['people']:,} people, seed {opts['seed']}, {opts['jobs']} jobs"
        )
        self.pg_superuser = False
        self.tune(vendor)
        if vendor == "postgresql" and not self.pg_superuser:
            self.say("not a superuser: foreign-key triggers stay on, so loading is much slower")
        tables = _tables()
        self.restore_indexes()  # left over by an interrupted run
        # Building an index once is several times faster than growing it row by row; without
        # the foreign-key checks (see tune()) nothing needs the indexes while loading.
        drop = opts["people"] >= 100_000 and (vendor == "sqlite" or self.pg_superuser)
        if drop:
            self.drop_indexes(tables)
        try:
            self.delete_workspace(slug)
            workspace, owner, cause_ids, tag_ids = self.create_workspace(slug)
            gen = Generator(
                vendor=vendor,
                workspace_id=workspace.pk,
                owner_id=owner.pk,
                causes=cause_ids,
                tags=tag_ids,
                now=time.time(),
            )
            self.verify(gen)
            _STATE.update(gen=gen, tables=tables, vendor=vendor, seed=opts["seed"])
            org_meta: list = []
            self.load(
                "organisations",
                _org_chunk,
                self.next_id(Organisation),
                opts["orgs"],
                ORGS_CHUNK,
                tables,
                opts["jobs"],
                collect=org_meta,
            )
            gen.set_organisations(org_meta)
            del org_meta
            self.load(
                "people",
                _person_chunk,
                self.next_id(Person),
                opts["people"],
                PEOPLE_CHUNK,
                tables,
                opts["jobs"],
            )
        finally:
            _STATE.clear()
            self.restore_indexes()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Organisation, Person]):
                    cursor.execute(sql)
            if self.pg_superuser and opts["check_references"]:
                self.check_references(tables, workspace.pk)
        self.analyze(vendor, tables)
        self.say(
            f"done: workspace '{slug}' (id {workspace.pk}); sign in as {OWNER_EMAIL} / "
            f"{OWNER_PASSWORD}"
        )

    # -- steps ---------------------------------------------------------------------------------

    def tune(self, vendor: str) -> None:
        """Session settings for a bulk load (this connection only; nothing persistent)."""
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB of page cache
                cursor.execute("PRAGMA temp_store = MEMORY")
                cursor.execute("PRAGMA synchronous = OFF")
            else:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                cursor.execute("SET work_mem = '64MB'")
                # Foreign keys are checked by deferred triggers, one query per row at commit:
                # hours for ~25M rows. A superuser can switch them off for this session; the
                # rows are consistent by construction (--check-references checks them).
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.pg_superuser = cursor.fetchone()[0]
                if self.pg_superuser:
                    cursor.execute("SET session_replication_role = replica")

    def delete_workspace(self, slug: str) -> None:
        ws = Workspace.objects.filter(slug=slug).first()
        if ws is None:
            return
        started = time.monotonic()
        existing = set(connection.introspection.table_names())
        q = connection.ops.quote_name
        if connection.vendor == "sqlite":
            # Rows that point at others go first, so every step leaves the database consistent;
            # the per-row checks would need the indexes that may be dropped now.
            connection.cursor().execute("PRAGMA foreign_keys = OFF")
        try:
            for model in _workspace_models_children_first():
                if model._meta.db_table not in existing:  # an app whose migrations have not run
                    continue
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"DELETE FROM {q(model._meta.db_table)} WHERE workspace_id = %s", [ws.pk]
                    )
                    if cursor.rowcount > 10_000:
                        self.say(f"  deleted {cursor.rowcount:,} rows from {model._meta.db_table}")
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {q(Workspace._meta.db_table)} WHERE id = %s", [ws.pk])
        finally:
            if connection.vendor == "sqlite":
                connection.cursor().execute("PRAGMA foreign_keys = ON")
        self.say(f"deleted the old workspace '{slug}' in {time.monotonic() - started:.1f}s")

    # -- secondary indexes: dropped while loading, built again afterwards ------------------------

    def _index_file(self) -> Path:
        settings = connection.settings_dict
        where = f"{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        digest = hashlib.sha256(where.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"svrazka-seed-bench-indexes-{digest}.json"

    def drop_indexes(self, tables: dict[str, Table]) -> None:
        indexes = secondary_indexes([t.name for t in tables.values()])
        self._index_file().write_text(json.dumps(indexes, indent=1))
        with connection.cursor() as cursor:
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        self.say(
            f"dropped {len(indexes)} secondary indexes until the rows are in "
            f"(saved in {self._index_file()})"
        )

    def restore_indexes(self) -> None:
        path = self._index_file()
        if not path.exists():
            return
        started = time.monotonic()
        indexes = json.loads(path.read_text())
        with connection.cursor() as cursor:
            for _, sql in indexes:
                cursor.execute(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        path.unlink()
        self.say(f"built {len(indexes)} indexes in {time.monotonic() - started:.1f}s")

    def create_workspace(self, slug: str):
        with transaction.atomic():
            workspace = Workspace.objects.create(
                slug=slug, name=f"Bench ({slug})", default_country="BG"
            )
            user_model = get_user_model()
            owner = user_model.objects.filter(email=OWNER_EMAIL).first()
            if owner is None:
                owner = user_model.objects.create_user(
                    OWNER_EMAIL, OWNER_PASSWORD, full_name="Bench Owner"
                )
            else:
                owner.set_password(OWNER_PASSWORD)
                owner.is_active = True
                owner.save()
            Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
            for name, _ in CAUSES:
                Cause.objects.create(workspace=workspace, name=name)
            for name, _ in TAGS:
                Tag.objects.create(workspace=workspace, name=name)
            cause_ids = list(
                Cause.objects.filter(workspace=workspace)
                .order_by("id")
                .values_list("id", flat=True)
            )
            tag_ids = list(
                Tag.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True)
            )
        self.say(f"created workspace '{slug}' (id {workspace.pk}), owner {OWNER_EMAIL}")
        return workspace, owner, cause_ids, tag_ids

    def verify(self, gen: Generator) -> None:
        """Check a sample against the services' own key functions and the validators."""
        rng = random.Random("verify")
        gen.set_organisations([(1, "BG", "example.bg"), (2, "GR", "example.gr")])
        for _ in range(VERIFY_ORGS):
            o = gen.organisation(rng)
            sort_key, tokens = gen.organisation_keys(o)
            org = Organisation(
                **{k: o[k] for k in ("name", "short_name", "eik", "pic", "vat", "email", "city")}
            )
            expected = services._organisation_tokens(org)
            if sort_key != translit.sort_key(o["name"]) or tokens != expected:
                raise CommandError(
                    f"token/sort key mismatch for organisation {o['name']!r}: "
                    f"{sorted(tokens ^ expected)}"
                )
            if o["eik"] and not identifiers.is_valid_eik(o["eik"]):
                raise CommandError(f"invalid EIK {o['eik']}")
            if o["phone"] and identifiers.normalize_phone(o["phone"]) != o["phone"]:
                raise CommandError(f"phone {o['phone']} is not in E.164")
        for _ in range(VERIFY_PEOPLE):
            p = gen.person(rng)
            sort_key, tokens = gen.person_keys(p)
            person = Person(
                given_name=p["given"],
                middle_name=p["middle"],
                family_name=p["family"],
                other_spelling=p["other"],
            )
            expected = services._person_tokens(person, p["emails"], p["phones"])
            if sort_key != translit.sort_key(person.sort_name) or tokens != expected:
                raise CommandError(
                    f"token/sort key mismatch for {person.sort_name!r}: {sorted(tokens ^ expected)}"
                )
            for number in p["phones"]:
                if identifiers.normalize_phone(number) != number:
                    raise CommandError(f"phone {number} is not a valid E.164 number")
        gen.orgs_by_country, gen.all_orgs = {}, []
        self.say(
            f"checked {VERIFY_ORGS} organisations and {VERIFY_PEOPLE} people against the "
            "services' tokens and sort keys"
        )

    def next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")
            return (cursor.fetchone()[0] or 0) + 1

    def load(self, label, worker, first_id, total, chunk_size, tables, jobs, collect=None):
        if total <= 0:
            return
        started = time.monotonic()
        chunks = [
            (first_id + start, min(chunk_size, total - start), i)
            for i, start in enumerate(range(0, total, chunk_size))
        ]
        counts: dict[str, list] = {}
        # Fork with no open database connection: the children never touch the database.
        connection.close()
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs) as pool:
            self.tune(connection.vendor)
            done, writing = 0, 0.0
            # At most jobs + 1 chunks ahead of the writer: bounded memory, and the workers do
            # not take the CPU from the writer long before it needs their rows.
            todo = iter(chunks)
            pending = deque(
                pool.apply_async(worker, (c,)) for c in itertools.islice(todo, jobs + 1)
            )
            for _, count, _ in chunks:
                result = pending.popleft().get()
                if (following := next(todo, None)) is not None:
                    pending.append(pool.apply_async(worker, (following,)))
                t = time.monotonic()
                self.write(result["rows"], tables, counts)
                writing += time.monotonic() - t
                if collect is not None:
                    collect.extend(result["meta"])
                done += count
                rate = done / (time.monotonic() - started)
                self.say(
                    f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s; {writing:.0f}s of it writing)"
                )
        summary = ", ".join(
            f"{tables[name].name.split('_', 1)[1]} {n:,} ({t:.0f}s)"
            for name, (n, t) in counts.items()
        )
        self.say(f"{label} loaded in {time.monotonic() - started:.1f}s: {summary}")

    def write(self, rows: dict, tables: dict[str, Table], counts: dict[str, list]) -> None:
        with transaction.atomic():
            raw = connection.connection
            for name, data in rows.items():
                t = time.monotonic()
                table = tables[name]
                if connection.vendor == "sqlite":
                    raw.executemany(table.sql_insert(), data)
                    n = len(data)
                else:
                    with raw.cursor() as cursor, cursor.copy(table.sql_copy()) as copy:
                        copy.write(data)
                    n = data.count(b"\n")
                count = counts.setdefault(name, [0, 0.0])
                count[0] += n
                count[1] += time.monotonic() - t

    def check_references(self, tables: dict[str, Table], workspace_id: int) -> None:
        """With the foreign-key triggers off, check every reference of the new rows at once."""
        started = time.monotonic()
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in tables.values():
                for f in table.model._meta.concrete_fields:
                    if not isinstance(f, ForeignKey) or f.column not in table.columns:
                        continue
                    parent = f.related_model._meta
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {q(table.name)} c WHERE c.workspace_id = %s AND "
                        f"c.{q(f.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                        f"{q(parent.db_table)} p WHERE p.{q(parent.pk.column)} = c.{q(f.column)})",
                        [workspace_id],
                    )
                    if missing := cursor.fetchone()[0]:
                        raise CommandError(
                            f"{missing} rows of {table.name} point to a missing "
                            f"{parent.db_table} row"
                        )
        self.say(f"checked the foreign keys of the new rows in {time.monotonic() - started:.1f}s")

    def analyze(self, vendor: str, tables: dict[str, Table]) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute("ANALYZE")
            else:
                names = {t.name for t in tables.values()} | {
                    Cause._meta.db_table,
                    Tag._meta.db_table,
                }
                for name in sorted(names):
                    # VACUUM sets the visibility map (index-only scans); ANALYZE the statistics.
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(name)}")
        self.say(
            f"{'ANALYZE' if vendor == 'sqlite' else 'VACUUM (ANALYZE)'} took "
            f"{time.monotonic() - started:.1f}s"
        )


def _workspace_models_children_first() -> list:
    """Every model with a workspace foreign key, those that point at others first."""
    owned = [
        m
        for m in apps.get_models()
        if any(
            isinstance(f, ForeignKey) and f.related_model is Workspace
            for f in m._meta.concrete_fields
        )
    ]
    refs = {
        m: {
            f.related_model
            for f in m._meta.concrete_fields
            if isinstance(f, ForeignKey) and f.related_model in owned and f.related_model is not m
        }
        for m in owned
    }
    ordered: list = []
    placed: set = set()

    def visit(model, path=()):
        if model in placed:
            return
        for child in owned:  # rows pointing at this model go first
            if model in refs[child] and child not in path:
                visit(child, (*path, model))
        placed.add(model)
        ordered.append(model)

    for m in owned:
        visit(m)
    return ordered
