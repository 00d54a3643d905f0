"""What the matcher knows about names: given-name variants and legal-form words.

Given names: each line of ``_GIVEN_NAME_GROUPS`` is one name with its short forms and its
equivalents in the other languages our contacts write (Bulgarian, Greek, Romanian, English),
so Гошо, Georgi, Γεώργιος, Γιώργος, Gheorghe and George are one group. Lookups go through
``translit.skeleton``, so every spelling of a listed form hits too (Gosho, Goshо, Ghosho).
A short form may belong to several groups (Ники: Николай, Никола, Николета).

Organisation names: ``organisation_name(name)`` drops quotes, dots and case and takes out the
legal-form words (ООД, ЕООД, e.V., S.R.L., Α.Μ.Κ.Ε. …) and the words that say what kind of
body it is (Сдружение, Фондация, Association, Σωματείο …) wherever they stand, so
``"Зелена планета" ЕООД`` and ``Zelena Planeta Ltd`` give the same key, and so do
``Сдружение "Зелена планета"`` and ``Zelena Planeta Association``. What was taken out is kept
as kinds (company, association, foundation…): "X ЕООД" and "Сдружение X" share a name but
are of different kinds, which the matcher weighs as weaker evidence. A name made only of such
words ("Фондация") keeps them.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from svrazka.lib.translit import skeleton

__all__ = [
    "COMMON_FAMILY_NAMES",
    "OrganisationName",
    "given_name_forms",
    "given_name_groups",
    "is_common_given_name",
    "kinds_compatible",
    "organisation_name",
    "plain",
    "same_given_name_group",
    "variant_skeletons",
]

# One group a line (indented lines go on with the line above): the name, then its short forms
# and its forms in other languages.
_GIVEN_NAME_GROUPS = """
Георги Гошо Жоро Гого Гоше Гошко Георгий Джордж George Georgie Γεώργιος Γιώργος Γιωργάκης
    Giorgos Yorgos Georgios Gheorghe Gigel Gică
Иван Ванко Ваньо Ванката Иванчо Йоан Ivan Ioan Ion Ionel Ionuț Ιωάννης Γιάννης Yannis Giannis
    Ioannis John Johnny Jack
Александър Сашо Саша Алекс Алеко Сандо Alexander Alexandru Alex Sandu Αλέξανδρος Αλέκος Alekos
    Alexandros Sasha
Димитър Митко Митя Димо Дими Мите Димитрий Dimitar Dimitrios Δημήτρης Δημήτριος Μήτσος Dimitris
    Dumitru Mitică Demetrius
Николай Никола Ники Кольо Колю Нико Коко Nikolay Nikolai Nikola Nicolae Nicu Nicușor Νικόλαος
    Νίκος Nikos Nikolaos Nicholas Nick Nicolas
Стефан Стефчо Стеф Стефко Stefan Ștefan Fănel Στέφανος Stefanos Stephen Steven Steve
Йордан Данчо Данко Йоцо Дачо Jordan Yordan Iordan Ιορδάνης Iordanis
Христо Ицо Ико Хриско Hristo Christo Χρήστος Christos Hristos Chris
Петър Пешо Петьо Пепо Пецо Petar Peter Petru Petrică Πέτρος Petros Pete
Стоян Стоянчо Стойо Стойчо Stoyan Stoian
Тодор Тошо Тошко Теодор Теди Тео Todor Teodor Tudor Θεόδωρος Θοδωρής Theodoros Theodore Ted
    Teddy
Васил Васко Вачо Васи Василий Vasil Vasile Vasilică Βασίλειος Βασίλης Vasilis Vasilios Basil
Красимир Краси Красьо Krasimir Krasi
Атанас Наско Тачо Начо Atanas Αθανάσιος Θανάσης Thanasis Athanasios Nasko
Ангел Ачо Ангелчо Angel Άγγελος Angelos
Кирил Киро Kiril Kirill Cyril Κύριλλος Kyrillos
Владимир Владо Влади Вова Vladimir Vlad
Михаил Мишо Михо Миша Mihail Mihai Mihăiță Μιχαήλ Μιχάλης Michalis Mihalis Michael Mike Mickey
Илия Ильо Илийчо Ilia Iliya Ilie Ηλίας Ilias Elias
Борис Боби Боре Boris Bobby
Валентин Вальо Вальо Вали Valentin Vali
Любомир Любо Любчо Lyubomir Lubomir
Пламен Пламчо Plamen
Мартин Марти Martin Marty
Даниел Дани Данчо Daniel Dani Danny Dan Δανιήλ
Калоян Кальо Kaloyan Kaloian
Цветан Цецо Цветко Tsvetan Cvetan
Костадин Константин Коста Коце Коцето Коцо Kostadin Konstantin Constantin Costel Costică Costin
    Dinu Κωνσταντίνος Κώστας Kostas Konstantinos Kosta Constantine
Павел Паша Pavel Paul Pavlos Παύλος
Симеон Симо Мони Simeon Semo
Андрей Андро Andrei Andrey Andreas Ανδρέας Andrew Andy
Веселин Веско Весо Veselin Vesko
Радослав Радо Rado Radoslav
Светослав Свето Светльо Svetoslav
Венцислав Венци Венцо Вени Ventsislav Ventsi
Лъчезар Лъчо Lachezar
Божидар Божо Bozhidar
Валери Вальо Valeri Valery
Емануил Мано Μανώλης Εμμανουήλ Manolis Emmanouil Emanuel
Спиридон Спиро Σπυρίδων Σπύρος Spyros Spiros Spyridon
Евангелос Βαγγέλης Ευάγγελος Vangelis Evangelos
Панайот Пано Панагиотис Παναγιώτης Πάνος Τάκης Panagiotis Panos Takis
Анастас Αναστάσιος Τάσος Tasos Anastasios
Харалампи Ламби Χαράλαμπος Χάρης Μπάμπης Haralambos Charalampos Babis Haris
Фотий Φώτιος Φώτης Fotis Fotios
Григор Гриша Γρηγόρης Γρηγόριος Grigoris Grigore Gregory Greg
Кириак Κυριάκος Kyriakos
Апостол Απόστολος Τόλης Apostolos
Тома Θωμάς Thomas Toma Tom
Кристиан Криси Cristian Cristi Christian
Флорин Florin Flori
Адриан Ади Adrian Adi
Габриел Габи Gabriel Gabi
Богдан Богдан Bogdan
Лучиан Lucian
Овидиу Ovidiu Ovi
Октавиан Octavian Tavi
Юлиан Iulian Iuli Julian
Себастиан Sebastian Sebi
Мария Мими Мара Маша Мери Марийка Мая Maria Mary Mimi Marika Μαρία Μαρίκα Mariya
Елена Ели Елка Ленче Лена Елени Elena Helen Helena Lena Ela Ελένη Eleni
Светлана Светла Цеци Света Svetlana Svetla Sveta
Цветелина Цвети Цеци Цветанка Цветана Цвета Tsvetelina Tsveti
Иванка Ваня Ивана Vanya Ivanka Ivana Ioana Ιωάννα Ioanna Joanna
Йорданка Данче Данка Yordanka Iordanka
Маргарита Мага Маги Марги Гита Margarita Margareta Margaret Maggie Rita
Виолета Вили Виолетка Violeta Violet Vili
Лиляна Лили Лилия Liliana Lilyana Lili Lily
Надежда Надя Nadezhda Nadia Nadya
Анна Ани Анка Анче Ana Anna Anne Annie Άννα
Румяна Руми Rumyana Roumyana
Стефка Стефи Стефания Stefka Stefania Στεφανία
Снежана Снежа Снежи Snezhana
Росица Роси Rositsa Rosi
Десислава Деси Desislava Desi
Милена Мили Milena
Гергана Гери Gergana
Николета Николина Ники Нели Nikoleta Nicoleta Νικολέτα Nikoletta
Петя Пепи Петранка Petya Petia Pepi
Теодора Теди Дора Teodora Θεοδώρα Theodora Dora
Виктория Вики Viktoria Victoria Vicky
Габриела Габи Gabriela Gabi
Ивелина Иви Ivelina Ivi
Александра Саша Сашка Алекс Alexandra Αλεξάνδρα Sasha Sandra
Кристина Криси Тина Kristina Cristina Christina Χριστίνα Tina
Христина Ина Тина Hristina
Симона Мони Simona
Емилия Еми Emilia Emily
Силвия Силви Silvia Sylvia
Веселина Веси Veselina
Красимира Краси Krasimira
Деница Дени Denitsa Denica
Зорница Зори Zornitsa
Магдалена Магда Маги Magdalena
Екатерина Катя Кати Катерина Ekaterina Katerina Κατερίνα Αικατερίνη Aikaterini Ecaterina
    Catherine Katherine Kate Katya Katia
Ралица Рали Ralitsa Ralitza
Галина Гали Galina
Антония Тони Antonia Tonya
Даниела Дани Даниела Daniela Dana
Василка Васа Βασιλική Βάσω Vasiliki Vaso Vasilka
София Софи Σοφία Sofia Sophia Sophie
Панайота Γιώτα Παναγιώτα Panagiota Giota
Ставрула Σταυρούλα Βούλα Stavroula Voula
Анастасия Настя Αναστασία Τασούλα Anastasia Tasoula
Ирина Ирена Ειρήνη Irini Irene Irina
Фотини Φωτεινή Φώφη Fotini
Михаела Mihaela Michaela Ела
Андреа Andreea Andrea Andra
Георгиана Georgiana Gina Georgia Γεωργία
Адриана Adriana Adi
Роксана Roxana Roxi
"""

# Family names common enough in our countries that sharing one says little, whatever the
# workspace's own counts: the matcher treats each as at least this common.
COMMON_FAMILY_NAMES = frozenset(
    skeleton(name)
    for name in """
    Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев Атанасов
    Петков Ангелов Колев Йорданов Маринов Стефанов Попов Михайлов Кръстев Костов Димов Павлов
    Митев Симеонов Цветков Александров Марков Спасов Лазаров Добрев Младенов Андреев Янев
    Радев Русев Иванова Георгиева Димитрова Петрова Николова Христова Стоянова Тодорова Илиева
    Василева Атанасова Петкова Ангелова Колева Йорданова Маринова Стефанова Попова Михайлова
    Παπαδόπουλος Παπαδοπούλου Παπαδάκης Παπαδάκη Παπανικολάου Γεωργίου Οικονόμου Βασιλείου
    Ιωάννου Δημητρίου Νικολάου Παππάς Μακρής Αντωνίου Παπαγεωργίου Αθανασίου
    Popescu Popa Pop Radu Ionescu Dumitru Stan Stoica Gheorghe Matei Constantin Ciobanu Rusu
    Munteanu Mihai Lungu Florea Moldovan Dumitrescu Marin Toma Georgescu
    Smith Jones Williams Brown Taylor Wilson Johnson Davies Miller Müller Schmidt Schneider
    """.split()
)


_GROUP_LINES = _GIVEN_NAME_GROUPS.strip().replace("\n    ", " ").splitlines()


def _build_groups() -> tuple[dict[str, frozenset[int]], list[tuple[str, ...]]]:
    groups_of: dict[str, set[int]] = {}
    members: list[tuple[str, ...]] = []
    for number, line in enumerate(_GROUP_LINES):
        keys = tuple(dict.fromkeys(skeleton(name) for name in line.split()))
        members.append(keys)
        for key in keys:
            groups_of.setdefault(key, set()).add(number)
    return {key: frozenset(numbers) for key, numbers in groups_of.items()}, members


_GROUPS_OF, _GROUP_MEMBERS = _build_groups()


def given_name_forms(name: str) -> tuple[str, ...]:
    """The written forms listed with a given name (Георги: Гошо, Жоро, George, Γιώργος …),
    without the name itself; empty when it is not in the table."""
    key = skeleton(name)
    forms: list[str] = []
    for number in sorted(_GROUPS_OF.get(key, ())):
        forms.extend(w for w in _GROUP_LINES[number].split() if skeleton(w) != key)
    return tuple(dict.fromkeys(forms))


_NO_GROUPS: frozenset[int] = frozenset()


def given_name_groups(name_skeleton: str) -> frozenset[int]:
    """The numbers of the variant groups a given name (as a skeleton) belongs to, maybe none."""
    return _GROUPS_OF.get(name_skeleton, _NO_GROUPS)


def same_given_name_group(a: str, b: str) -> bool:
    """Whether two given-name skeletons are variants of one name (Gosho, Георги: True)."""
    return bool(given_name_groups(a) & given_name_groups(b))


def is_common_given_name(name_skeleton: str) -> bool:
    """Listed names are the common ones: each is treated as at least this common."""
    return name_skeleton in _GROUPS_OF


def variant_skeletons(name_skeleton: str) -> tuple[str, ...]:
    """Every skeleton in the groups of ``name_skeleton``, itself first (for index lookups)."""
    result = [name_skeleton]
    for number in sorted(given_name_groups(name_skeleton)):
        result.extend(key for key in _GROUP_MEMBERS[number] if key not in result)
    return tuple(result)


def group_key_of(number: int) -> str:
    """The blocking key of a group: the skeleton of its first name."""
    return _GROUP_MEMBERS[number][0]


def group_key(name_skeleton: str) -> str:
    """One blocking key for a given name: the first member of its first group, else itself.

    A short form in several groups gets the key of the lowest-numbered one, so two records
    sharing a name through another group may get different keys; ``group_keys`` gives all.
    """
    groups = given_name_groups(name_skeleton)
    return _GROUP_MEMBERS[min(groups)][0] if groups else name_skeleton


def group_keys(name_skeleton: str) -> tuple[str, ...]:
    """The blocking keys of every group of a given name (or the name itself when none)."""
    groups = given_name_groups(name_skeleton)
    if not groups:
        return (name_skeleton,)
    return tuple(_GROUP_MEMBERS[number][0] for number in sorted(groups))


# --- organisation names ---------------------------------------------------------------------

# Legal forms and words that say what kind of body it is, by kind: "company" forms, "nonprofit"
# forms (any association, foundation or community centre), and the kinds of nonprofit. They
# are left out of the name wherever they stand; two names whose kinds differ ("Сдружение X"
# and "X ЕООД") are weaker evidence than two whose kinds agree or are unknown.
_FORMS = {
    "company": """ЕООД | ООД | ЕАД | АД | ЕТ | СД | КД | КДА | ДЗЗД | Ltd | Limited | LLC | LLP
        | Inc | Incorporated | Corp | PLC | GmbH | mbH | AG | KG | UG | S.A. | SA | S.R.L. | SRL
        | SRL-D | S.A.S | SAS | Kft | Zrt | sp. z o.o. | d.o.o. | d.d. | ΑΕ | Α.Ε. | ΕΠΕ
        | Ε.Π.Ε. | ΙΚΕ | Ι.Κ.Ε. | ΟΕ | Ο.Ε. | ΕΕ | Ε.Ε.""",
    "nonprofit": """ЮЛНЦ | с нестопанска цел | в обществена полза | в частна полза | e.V.
        | eV | ONG | NPO | NGO | НПО | ASBL | VZW | APS | ETS | ONLUS | z.s. | o.p.s.
        | z.ú. | ΑΜΚΕ | Α.Μ.Κ.Ε. | ΜΚΟ | Μ.Κ.Ο. | ГО""",
    "association": """Сдружение | Асоциация | Association | Associations | Asociația
        | Asociatia | Asociație | Σωματείο | Ένωση | Σύλλογος | Verein | Associazione
        | Asociación | Associação | Stowarzyszenie | Udruga | Удружење | Здружение
        | Egyesület | Društvo | Asociacija""",
    "foundation": """Фондация | Фонд | Foundation | Fundația | Fundatia | Fundație | Ίδρυμα
        | Stiftung | Stichting | Fundacja""",
    "chitalishte": "Народно читалище | НЧ | Читалище",
}
_NONPROFIT_KINDS = frozenset({"nonprofit", "association", "foundation", "chitalishte"})

# "e.V.", "S.R.L.", "Α.Μ.Κ.Ε.": letters with dots between them are one word.
_DOTTED = re.compile(r"^(?:\w{1,2}\.)+\w{0,2}\.?$")
_WORD = re.compile(r"[^\W_]+")


def _split(name: str) -> list[str]:
    """Words of a name: quotes and punctuation split words, dotted abbreviations stay one."""
    words: list[str] = []
    for chunk in unicodedata.normalize("NFKC", name).split():
        if _DOTTED.match(chunk) and chunk.count(".") > 1:
            words.append(chunk.replace(".", ""))
        else:
            words.extend(_WORD.findall(chunk))
    return words


def _build_forms() -> dict[tuple[str, ...], str]:
    """Each form as a tuple of word skeletons: its kind."""
    result: dict[tuple[str, ...], str] = {}
    for kind, spec in _FORMS.items():
        for form in spec.split("|"):
            keys = tuple(skeleton(word) for word in _split(form))
            if keys:
                result[keys] = kind
    return result


_KIND_OF = _build_forms()
_LONGEST_FORM = max(len(form) for form in _KIND_OF)


def plain(text: str) -> str:
    """Lower case without accents or punctuation, in its own script: "Asociația" and
    "Asociatia" are the same, "Nikos" and "Νίκος" are not (that is a transliteration)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


@dataclass(frozen=True, slots=True)
class OrganisationName:
    """The comparable parts of an organisation name."""

    core: str  # skeletons of the name's own words: "zelena planeta"
    kinds: frozenset[str]  # kinds of the legal forms found: {"association"}
    plain: str  # the name's own words as ``plain`` gives them, to tell spellings apart
    forms: tuple[str, ...]  # the legal-form words found, as skeletons


def kinds_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two sets of legal-form kinds may describe one body (unknown fits anything)."""
    if not a or not b or a & b:
        return True
    # "e.V." fits "Verein", "с нестопанска цел" fits "Сдружение": nonprofit is any of those.
    return ("nonprofit" in a and b <= _NONPROFIT_KINDS) or (
        "nonprofit" in b and a <= _NONPROFIT_KINDS
    )


@lru_cache(maxsize=200_000)
def organisation_name(name: str) -> OrganisationName:
    """The comparable parts of an organisation's name (see the module's docstring)."""
    words = _split(name)
    keys = [skeleton(word) for word in words]
    kinds: list[str] = [""] * len(keys)  # "" for the name's own words
    i = 0
    while i < len(keys):
        for length in range(min(_LONGEST_FORM, len(keys) - i), 0, -1):
            kind = _KIND_OF.get(tuple(keys[i : i + length]))
            if kind:
                kinds[i : i + length] = [kind] * length
                i += length
                break
        else:
            i += 1
    own = [n for n, kind in enumerate(kinds) if not kind and keys[n]]
    if not own:  # nothing but forms ("Фондация"): those words are the name
        own = [n for n in range(len(keys)) if keys[n]]
    forms = tuple(keys[n] for n in range(len(keys)) if n not in own)
    return OrganisationName(
        core=" ".join(keys[n] for n in own),
        kinds=frozenset(kind for n, kind in enumerate(kinds) if kind and n not in own),
        plain=" ".join(plain(words[n]) for n in own),
        forms=forms,
    )
