"""Comparing two people or two organisations: a score from 0 to 100 and the reasons for it.

Pure functions on plain values; no database. The model is Fellegi–Sunter's: every field that
both records have either agrees (at some level: the same, the same in another script, a short
form, a typo away) or disagrees, and each outcome adds its weight of evidence in bits,
log2(P(outcome | same person) / P(outcome | two different people)). The sum, plus the prior
log-odds that two records of a workspace of that size are one person, gives the probability
that they are; the score is that probability in per cent.

How common a value is decides what agreeing on it is worth (``Frequencies``, counted over the
workspace): two "Иван Иванов" records prove little, two "Калоян Бъчваров" records rather
more, and the same EIK, email or phone number a lot. Conflicting strong facts (two EIKs, two
dates of birth) weigh heavily the other way.

Reasons are codes (``same_email``, ``name_diminutive``, ``different_eik``…): ``describe`` puts
one in words for the review screen, ``REASON_LABELS`` names each for filters.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svrazka.duplicates import names
from svrazka.lib import translit
from svrazka.lib.identifiers import format_phone, normalize_eik, normalize_vat

__all__ = [
    "DEFAULT_THRESHOLD",
    "Frequencies",
    "Match",
    "OrgFacts",
    "OrgKeys",
    "PersonFacts",
    "PersonKeys",
    "REASON_LABELS",
    "compare_organisation_keys",
    "compare_organisations",
    "compare_people",
    "compare_person_keys",
    "describe",
    "jaro_winkler",
    "name_bound",
    "names_compatible",
    "worth_comparing",
    "score_from_weight",
    "weight_for_score",
    "organisation_keys",
    "person_keys",
]

DEFAULT_THRESHOLD = 70
# Expected number of other records of the same person per record, before looking at them:
# with the workspace's size it gives the prior odds that two records are one person.
DEFAULT_DUPLICATE_RATE = 0.05
# Workspaces smaller than this are treated as this big: a handful of records says little
# about how common a name is.
MIN_POPULATION = 2000


# --- facts: what the callers give --------------------------------------------------------------


@dataclass(slots=True)
class PersonFacts:
    """What the matcher looks at in a person, as plain values (any script, any case)."""

    id: int
    given_name: str = ""
    family_name: str = ""
    middle_name: str = ""
    other_spelling: str = ""  # a second spelling of the whole name, "Ivan Petrov"
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()  # E.164
    date_of_birth: date | str | None = None  # a date, "YYYY-MM-DD" or "YYYYMMDD"
    city: str = ""
    postal_code: str = ""
    street: str = ""
    country: str = ""
    organisations: tuple[int, ...] = ()  # ids of the organisations they are affiliated with
    organisation_names: tuple[str, ...] = ()  # names, where there are no ids (import rows)
    # Personal identifiers trusted as strong evidence (none in Svrazka's own records; a
    # benchmark's social security number, an import's member number).
    identifiers: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.middle_name, self.family_name) if p)


@dataclass(slots=True)
class OrgFacts:
    """What the matcher looks at in an organisation."""

    id: int
    name: str = ""
    short_name: str = ""
    eik: str = ""
    pic: str = ""
    vat: str = ""
    oid: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    website: str = ""
    city: str = ""
    country: str = ""


@dataclass(slots=True)
class Match:
    score: int  # 0-100: the probability, in per cent, that the two are one record
    reasons: list[str] = field(default_factory=list)  # codes, agreements first
    weight: float = 0.0  # the evidence in bits, prior included


# --- string helpers ---------------------------------------------------------------------------

_SKELETONS: dict[str, str] = {}


def _skeleton(word: str) -> str:
    """translit.skeleton, remembered: names repeat, so each distinct one is folded once."""
    hit = _SKELETONS.get(word)
    if hit is None:
        hit = translit.skeleton(word)
        if len(_SKELETONS) > 500_000:
            _SKELETONS.clear()
        _SKELETONS[word] = hit
    return hit


_PLAINS: dict[str, str] = {}


def _plain(text: str) -> str:
    """names.plain, remembered: tells "Petroff" from "Petrov" and "Nikos" from "Νίκος"."""
    hit = _PLAINS.get(text)
    if hit is None:
        hit = names.plain(text)
        if len(_PLAINS) > 500_000:
            _PLAINS.clear()
        _PLAINS[text] = hit
    return hit


def _jaro(a: str, b: str) -> float:
    if len(a) > len(b):
        a, b = b, a
    la, lb = len(a), len(b)
    if not la:
        return 0.0
    reach = max(lb // 2 - 1, 0)
    taken = bytearray(lb)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        end = i + reach + 1
        j = b.find(char, i - reach if i > reach else 0, end)
        while j != -1 and taken[j]:
            j = b.find(char, j + 1, end)
        if j != -1:
            taken[j] = 1
            matched_a.append(char)
    m = len(matched_a)
    if not m:
        return 0.0
    matched_b = [b[j] for j in range(lb) if taken[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) // 2
    return (m / la + m / lb + (m - transpositions) / m) / 3


_JW: dict[tuple[str, str], float] = {}


def jaro_winkler(a: str, b: str) -> float:
    """Jaro–Winkler similarity of two strings, 0 to 1 (1 when equal)."""
    if a == b:
        return 1.0
    key = (a, b) if a < b else (b, a)
    hit = _JW.get(key)
    if hit is None:
        sim = _jaro(a, b)
        prefix = 0
        for x, y in zip(a[:4], b[:4], strict=False):
            if x != y:
                break
            prefix += 1
        hit = sim + prefix * 0.1 * (1 - sim)
        if len(_JW) > 1_000_000:
            _JW.clear()
        _JW[key] = hit
    return hit


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one substitution, insertion, deletion or swap."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1 or a == b:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


_FREE_MAIL = frozenset(
    "gmail.com googlemail.com abv.bg mail.bg dir.bg yahoo.com yahoo.gr yahoo.ro yahoo.co.uk "
    "hotmail.com outlook.com live.com msn.com icloud.com me.com aol.com gmx.de gmx.net web.de "
    "otenet.gr windowslive.com proton.me protonmail.com yandex.ru mail.ru zoho.com".split()
)
# Sites whose address says nothing about whose page it is.
_PLATFORMS = frozenset(
    "facebook.com fb.com instagram.com linkedin.com twitter.com x.com youtube.com google.com "
    "sites.google.com wordpress.com blogspot.com wixsite.com github.io tiktok.com".split()
)


def normalize_email(email: str) -> str:
    """Lower case, without a +tag; Gmail ignores dots in the mailbox, so do we."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _phone_digits(phone: str) -> str:
    digits = re.sub(r"[^\d]", "", phone or "")
    return digits[2:] if digits.startswith("00") else digits


_WEBSITE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\d?\.)?([^/?#:@\s]+)", re.I)


def website_domain(url: str) -> str:
    """The host of a website without "www.", or "" for a social-media page."""
    match = _WEBSITE.match((url or "").strip().lower())
    host = match.group(1).rstrip(".") if match else ""
    if not host or "." not in host or host in _PLATFORMS:
        return ""
    if any(host.endswith("." + platform) for platform in _PLATFORMS):
        return ""
    return host


def _dob(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (_skeleton(part) for part in re.split(r"[\s,;/]+", text)) if w)


# --- keys: what the comparison works on -------------------------------------------------------


# Names repeat: every record of one name shares one tuple of keys, so that comparisons of
# names can be remembered by the tuples' identities (see _compare_names, names_compatible).
# The tuples live as long as the caches that name them: both are cleared together.
_NAME_TUPLES: dict[tuple, tuple] = {}
_COMPATIBLE: dict[tuple[int, int], bool] = {}
_CACHE_LIMIT = 2_000_000


def _one_copy(names_: tuple) -> tuple:
    hit = _NAME_TUPLES.get(names_)
    if hit is None:
        if len(_NAME_TUPLES) > _CACHE_LIMIT:
            _forget_names()
        hit = _NAME_TUPLES[names_] = names_
    return hit


def _forget_names() -> None:
    _NAME_TUPLES.clear()
    _COMPATIBLE.clear()
    _NAME_CACHE_GENERATION[0] += 1


# Frequencies keep their own cache of name comparisons; a generation number tells them when
# the identities it is keyed by were forgotten.
_NAME_CACHE_GENERATION = [0]


class PersonKeys:
    """A person's comparable values, computed once (a scan holds a million of these)."""

    __slots__ = (
        "id",
        "names",
        "middle",
        "emails",
        "phones",
        "dob",
        "city",
        "postal",
        "street",
        "country",
        "orgs",
        "org_names",
        "idents",
    )

    def __init__(self, facts: PersonFacts) -> None:
        self.id = facts.id
        given = (facts.given_name or "").strip()
        family = (facts.family_name or "").strip()
        variants = [(_skeleton(given), _skeleton(family), _plain(given), _plain(family))]
        other = (facts.other_spelling or "").split()
        if len(other) >= 2:
            o_given, o_family = other[0], " ".join(other[1:])
            extra = (_skeleton(o_given), _skeleton(o_family), _plain(o_given), _plain(o_family))
            if extra[:2] != variants[0][:2]:
                variants.append(extra)
        # (given skeleton, family skeleton, given folded, family folded), main spelling first
        self.names: tuple[tuple[str, str, str, str], ...] = _one_copy(tuple(variants))
        self.middle = _skeleton(facts.middle_name or "")
        self.emails = tuple(sorted({normalize_email(e) for e in facts.emails if e}))
        self.phones = tuple(sorted({d for d in map(_phone_digits, facts.phones) if d}))
        self.dob = _dob(facts.date_of_birth)
        self.city = _skeleton(facts.city or "")
        self.postal = re.sub(r"\s+", "", facts.postal_code or "").upper()
        self.street = _words(facts.street or "")
        self.country = (facts.country or "").upper()
        self.orgs = tuple(sorted(set(facts.organisations)))
        self.org_names = tuple(
            sorted({names.organisation_name(n).core for n in facts.organisation_names if n})
        )
        self.idents = tuple(sorted({i.strip().upper() for i in facts.identifiers if i.strip()}))


def person_keys(facts: PersonFacts) -> PersonKeys:
    """The comparable keys of a person (skeletons, normalised emails and phones…)."""
    return PersonKeys(facts)


class OrgKeys:
    __slots__ = (
        "id",
        "name",
        "eik",
        "pic",
        "vat",
        "oid",
        "emails",
        "phones",
        "domains",
        "city",
        "country",
    )

    def __init__(self, facts: OrgFacts) -> None:
        self.id = facts.id
        self.name = names.organisation_name(facts.name or facts.short_name or "")
        self.vat = normalize_vat(facts.vat or "")
        eik = normalize_eik(facts.eik or "")
        if not eik and re.fullmatch(r"BG\d{9}|BG\d{13}", self.vat):
            eik = self.vat[2:]  # a Bulgarian VAT number is BG and the EIK
        self.eik = eik
        self.pic = (facts.pic or "").strip()
        self.oid = (facts.oid or "").strip().upper()
        self.emails = tuple(sorted({normalize_email(e) for e in facts.emails if e}))
        self.phones = tuple(sorted({d for d in map(_phone_digits, facts.phones) if d}))
        domains = {website_domain(facts.website)} if facts.website else set()
        for email in self.emails:
            domain = email.rpartition("@")[2]
            if domain and domain not in _FREE_MAIL:
                domains.add(domain)
        domains.discard("")
        self.domains = tuple(sorted(domains))
        self.city = _skeleton(facts.city or "")
        self.country = (facts.country or "").upper()


def organisation_keys(facts: OrgFacts) -> OrgKeys:
    """The comparable keys of an organisation (name without legal form, EIK from VAT…)."""
    return OrgKeys(facts)


# --- how common values are --------------------------------------------------------------------

_FIELDS = (
    "given group family middle city postal street dob email phone org org_name ident domain title"
).split()
# Values listed in names.py are at least this common, whatever the workspace's counts.
_COMMON_GIVEN_SHARE = 0.01
_COMMON_FAMILY_SHARE = 0.005
_DOB_SHARE = 1 / (365.25 * 70)  # a date of birth, uniform over 70 years


class Frequencies:
    """How many records of a workspace hold each value, and its size: the u-probabilities.

    ``weight(field, value, m)`` is log2(m / share) where share is the value's count over the
    population, at least one record in MIN_POPULATION and at least its share in names.py.
    """

    def __init__(self, population: int = 0, duplicate_rate: float = DEFAULT_DUPLICATE_RATE) -> None:
        self.population = population
        self.duplicate_rate = duplicate_rate
        self.counts: dict[str, dict[str, int]] = {name: {} for name in _FIELDS}
        # Shares to assume for fields whose values were not counted (a look-up of one record
        # before saving counts its names but not every city): a value is at least this common.
        self.assumed: dict[str, float] = {}
        self._weights: dict[tuple[str, str, float], float] = {}
        self._prior: tuple[tuple | None, float] = (None, 0.0)
        # The prior probability that two records are one, when known (estimated from the data
        # by the scan); else it follows from duplicate_rate and the size.
        self.match_probability: float | None = None
        self._names_cache: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {}
        self._names_generation = _NAME_CACHE_GENERATION[0]

    def names_cache(self) -> dict[tuple[int, int], tuple[float, tuple[str, ...]]]:
        """Name comparisons by the identities of the name tuples (see _compare_names)."""
        if self._names_generation != _NAME_CACHE_GENERATION[0]:
            self._names_cache.clear()
            self._names_generation = _NAME_CACHE_GENERATION[0]
        return self._names_cache

    @property
    def size(self) -> int:
        return max(self.population, MIN_POPULATION)

    @property
    def prior(self) -> float:
        """log2 of the prior odds that two records of the workspace are one person."""
        key = (self.size, self.duplicate_rate, self.match_probability)
        if self._prior[0] != key:
            p = self.match_probability or 2 * self.duplicate_rate / self.size
            p = min(0.5, p)
            self._prior = (key, math.log2(p / (1 - p)))
        return self._prior[1]

    def add(self, field_name: str, value: str, count: int = 1) -> None:
        counts = self.counts[field_name]
        counts[value] = counts.get(value, 0) + count

    def add_person(self, keys: PersonKeys) -> None:
        """Count one person's values (each once, whatever the number of spellings).

        ``population`` is the caller's to set: a look-up counts only some records' values.
        """
        add = self.add
        for given in {n[0] for n in keys.names if n[0]}:
            add("given", given)
            for group in names.group_keys(given):
                add("group", group)
        for family in {n[1] for n in keys.names if n[1]}:
            add("family", family)
        for fld, value in (
            ("middle", keys.middle),
            ("city", keys.city),
            ("postal", keys.postal),
            ("street", " ".join(keys.street)),
            ("dob", keys.dob),
        ):
            if value:
                add(fld, value)
        for email in keys.emails:
            add("email", email)
        for phone in keys.phones:
            add("phone", phone)
        for org in keys.orgs:
            add("org", str(org))
        for org_name in keys.org_names:
            add("org_name", org_name)
        for ident in keys.idents:
            add("ident", ident)

    def add_organisation(self, keys: OrgKeys) -> None:
        self.add("title", keys.name.core)
        for email in keys.emails:
            self.add("email", email)
        for phone in keys.phones:
            self.add("phone", phone)
        for domain in keys.domains:
            self.add("domain", domain)
        if keys.city:
            self.add("city", keys.city)

    def count(self, field_name: str, value: str) -> int:
        return self.counts[field_name].get(value, 0)

    def weight(self, field_name: str, value: str, m: float, cap: float = 24.0) -> float:
        """Bits of evidence in two records agreeing on ``value``: log2(m / its share)."""
        key = (field_name, value, m)
        hit = self._weights.get(key)
        if hit is None:
            size = self.size
            count = self.counts[field_name].get(value, 0)
            share = max(count, 2) / size  # two records hold it: the two compared
            share = max(share, self.assumed.get(field_name, 0.0))
            if field_name == "given" and names.is_common_given_name(value):
                share = max(share, _COMMON_GIVEN_SHARE)
            elif field_name == "group":
                share = max(share, _COMMON_GIVEN_SHARE)
            elif field_name == "family" and value in names.COMMON_FAMILY_NAMES:
                share = max(share, _COMMON_FAMILY_SHARE)
            elif field_name == "dob":
                share = max(share, _DOB_SHARE)
            hit = min(cap, math.log2(m / min(share, 1.0)))
            if len(self._weights) > 2_000_000:
                self._weights.clear()
            self._weights[key] = hit
        return hit


# Without a workspace's counts: how common values of these fields usually are in one.
TYPICAL_SHARES = {
    "city": 0.05,
    "postal": 0.02,
    "street": 0.0005,
    "middle": 0.01,
    "org": 0.002,
    "org_name": 0.002,
}
_DEFAULT = Frequencies()
_DEFAULT.assumed.update(TYPICAL_SHARES)


def weight_for_score(score: int) -> float:
    """The least weight whose score is ``score`` or more (for a quick threshold test)."""
    if score <= 0:
        return -math.inf
    if score >= 100:
        return 30.0
    p = (score - 0.5) / 100
    return math.log2(p / (1 - p))


def score_from_weight(weight: float) -> int:
    """The score (0-100) of this much evidence: the probability in per cent."""
    if weight > 30:
        return 100
    if weight < -30:
        return 0
    return round(100 / (1 + 2.0 ** (-weight)))


# --- people -----------------------------------------------------------------------------------

# Levels of agreement of one name part.
EXACT, TRANSLIT, VARIANT, SIMILAR, CLOSE, DIFFERENT, MISSING = range(7)

# m-probabilities and fixed weights, in bits (see the module docstring).
M_NAME = 0.9  # a duplicate has the same skeleton of a name part
M_VARIANT = 0.08  # a duplicate writes a short form or another language's form
W_SIMILAR_FAMILY = 4.5  # Jaro–Winkler >= 0.92 on skeletons: a typo
W_SIMILAR_GIVEN = 3.5
W_CLOSE = 1.0  # Jaro–Winkler >= 0.85
W_DIFFERENT_FAMILY = -4.5  # family names change (marriage), but rarely
W_DIFFERENT_GIVEN = -4.0
W_SWAPPED = -1.0  # given and family swapped: a little less likely than in order
W_SAME_MIDDLE_CAP = 6.0
W_DIFFERENT_MIDDLE = -3.0  # a different patronymic: a different father
M_EMAIL = 0.6
W_OWN_CONTACT = 6.0  # see _contact_weight
W_NO_SHARED_EMAIL = -0.5  # people have several addresses
M_PHONE = 0.5
W_NO_SHARED_PHONE = -0.5
M_DOB = 0.95
W_SIMILAR_DOB = 5.0  # one digit off, or day and month swapped
W_NEAR_DOB = -3.0  # two digits off, or a year apart
W_DIFFERENT_DOB = -8.0
M_CITY = 0.85
W_SIMILAR_CITY = 1.5
W_CITY_WITH_POSTAL = 1.0
W_DIFFERENT_CITY = -1.5
M_POSTAL = 0.85
W_SIMILAR_POSTAL = 0.5
W_DIFFERENT_POSTAL = -1.5
M_STREET = 0.8
M_SIMILAR_STREET = 0.1
W_SIMILAR_STREET = 3.0
W_PARTLY_STREET = 1.5
W_DIFFERENT_STREET = -2.0
M_ORG = 0.6
W_ORG_CAP = 12.0
W_NO_SHARED_ORG = -0.5
W_SAME_IDENT = 22.0
W_SIMILAR_IDENT = 10.0
W_SIMILAR_SHORT_IDENT = 2.0
W_DIFFERENT_IDENT = -10.0
W_DIFFERENT_COUNTRY = -2.0

_FEMALE_ENDINGS = (("a", ""), ("ska", "ski"), ("u", "os"), ("i", "is"), ("a", "as"))


def _contact_weight(freq: Frequencies, field_name: str, value: str, m: float) -> float:
    """An email or phone number both hold: by how common it is, and more when only the two
    (or one more) hold it: an address is someone's own far more often than its count over
    the workspace suggests (a shared office address shows in its count)."""
    weight = freq.weight(field_name, value, m, 20.0)
    if freq.count(field_name, value) <= 3:
        weight += W_OWN_CONTACT
    return weight


def _gender_forms(a: str, b: str) -> bool:
    """Whether two family-name skeletons are the male and female form of one name.

    Иванов/Иванова, Петровски/Петровска, Παπαδόπουλος/Παπαδοπούλου: relatives, not typos.
    """
    if a[:3] != b[:3] or not 0 < abs(len(a) - len(b)) <= 2:
        return False
    for short, long in ((a, b), (b, a)):
        for female, male in _FEMALE_ENDINGS:
            if male and short.endswith(male) and long == short[: -len(male)] + female:
                return True
            if not male and long == short + female and short.endswith(("ov", "ev", "in")):
                return True
    return False


def _name_part(
    a_skel: str, b_skel: str, a_plain: str, b_plain: str, given: bool, freq: Frequencies
) -> tuple[float, int]:
    """Weight and level of one name part (given or family) of two records."""
    if not a_skel or not b_skel:
        return 0.0, MISSING
    if a_skel == b_skel:
        weight = freq.weight("given" if given else "family", a_skel, M_NAME)
        return weight, EXACT if a_plain == b_plain else TRANSLIT
    if given:
        shared = names.given_name_groups(a_skel) & names.given_name_groups(b_skel)
        if shared:
            weight = min(
                freq.weight("group", names.group_key_of(number), M_VARIANT) for number in shared
            )
            return max(weight, 1.0), VARIANT
        if len(a_skel) == 1 or len(b_skel) == 1:  # an initial
            return (0.5, CLOSE) if a_skel[0] == b_skel[0] else (W_DIFFERENT_GIVEN, DIFFERENT)
    elif _gender_forms(a_skel, b_skel):
        return W_DIFFERENT_FAMILY, DIFFERENT
    similarity = jaro_winkler(a_skel, b_skel)
    if similarity >= 0.92 or (similarity >= 0.85 and _one_edit(a_skel, b_skel)):
        return (W_SIMILAR_GIVEN if given else W_SIMILAR_FAMILY), SIMILAR
    if similarity >= 0.85:
        return W_CLOSE, CLOSE
    return (W_DIFFERENT_GIVEN if given else W_DIFFERENT_FAMILY), DIFFERENT


def _compare_names(a: PersonKeys, b: PersonKeys, freq: Frequencies) -> tuple[float, list[str]]:
    """The weight and reasons of two people's names, remembered by the names' identities."""
    cache = freq.names_cache()
    key = (id(a.names), id(b.names))
    hit = cache.get(key)
    if hit is None:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        weight, reasons = _weigh_names(a, b, freq)
        hit = cache[key] = (weight, tuple(reasons))
    return hit[0], list(hit[1])


def _weigh_names(a: PersonKeys, b: PersonKeys, freq: Frequencies) -> tuple[float, list[str]]:
    if len(a.names) == 1 and len(b.names) == 1:
        ag, af, agp, afp = a.names[0]
        bg, bf, bgp, bfp = b.names[0]
        if ag == bg and af == bf and ag and af:  # the common case in a block: the same name
            weight = freq.weight("given", ag, M_NAME) + freq.weight("family", af, M_NAME)
            if agp == bgp and afp == bfp:
                return weight, ["same_name"]
            return weight, ["name_transliterated"]
    best: tuple[float, int, int, bool] | None = None  # weight, given level, family level, swap
    for ag, af, agp, afp in a.names:
        for bg, bf, bgp, bfp in b.names:
            wg, lg = _name_part(ag, bg, agp, bgp, True, freq)
            wf, lf = _name_part(af, bf, afp, bfp, False, freq)
            straight = wg + wf
            if best is None or straight > best[0]:
                best = (straight, lg, lf, False)
            if lg >= SIMILAR and lf >= SIMILAR and ag and af and bg and bf:
                # Not in order: try "Petrov Ivan" against "Ivan Petrov".
                wg2, lg2 = _name_part(ag, bf, agp, bfp, True, freq)
                wf2, lf2 = _name_part(af, bg, afp, bgp, False, freq)
                if lg2 < CLOSE and lf2 < CLOSE:
                    swapped = wg2 + wf2 + W_SWAPPED
                    if swapped > best[0]:
                        best = (swapped, lg2, lf2, True)
    assert best is not None
    weight, lg, lf, swapped = best
    reasons: list[str] = []
    levels = (lg, lf)
    if lg == EXACT and lf == EXACT and not swapped:
        reasons.append("same_name")
    elif lf <= TRANSLIT and lg >= CLOSE and not swapped:
        reasons.append("same_family_name")
    if TRANSLIT in levels:
        reasons.append("name_transliterated")
    if VARIANT in levels:
        reasons.append("name_diminutive")
    if SIMILAR in levels:
        reasons.append("similar_name")
    if swapped:
        reasons.append("name_order_swapped")
    return weight, reasons


def _part_close(a: str, b: str, given: bool) -> bool:
    if a == b or not a or not b:
        return True
    if given and (names.same_given_name_group(a, b) or len(a) == 1 or len(b) == 1):
        return a[0] == b[0] or len(a) > 1 < len(b)
    return jaro_winkler(a, b) >= 0.85


def names_compatible(a: PersonKeys, b: PersonKeys) -> bool:
    """Whether both name parts of two people are close (equal, a variant, a typo, an
    initial, or missing), in order or swapped: a quick test before a full comparison, for
    records that share only a date of birth or a place and one name part."""
    key = (id(a.names), id(b.names))
    hit = _COMPATIBLE.get(key)
    if hit is None:
        if len(_COMPATIBLE) > _CACHE_LIMIT:
            _COMPATIBLE.clear()
        hit = _COMPATIBLE[key] = _names_compatible(a.names, b.names)
    return hit


def _names_compatible(a_names: tuple, b_names: tuple) -> bool:
    for ag, af, *_spelling in a_names:
        for bg, bf, *_spelling in b_names:
            if _part_close(af, bf, False) and _part_close(ag, bg, True):
                return True
            if _part_close(ag, bf, False) and _part_close(af, bg, False):
                return True
    return False


def worth_comparing(a: PersonKeys, b: PersonKeys) -> bool:
    """A quick test before a full comparison of two people who share only a date of birth, a
    place or an address and maybe one name part: their names are close, or two other facts
    agree (date of birth, place, street address, organisation)."""
    if names_compatible(a, b):
        return True
    agree = bool(a.dob and a.dob == b.dob)
    agree += bool(a.postal and a.postal == b.postal or a.city and a.city == b.city)
    agree += bool(a.orgs and any(o in b.orgs for o in a.orgs))
    if agree == 1 and a.street and b.street:
        # the same house number and another word of the address
        both = set(a.street).intersection(b.street)
        agree += any(w.isdigit() for w in both) and any(not w.isdigit() for w in both)
    return agree >= 2


def name_bound(k: PersonKeys, freq: Frequencies) -> float:
    """The most that agreeing with ``k``'s name can weigh (each part the same, or a typo)."""
    best = -math.inf
    for given, family, *_spelling in k.names:
        wg = max(freq.weight("given", given, M_NAME), W_SIMILAR_GIVEN) if given else 0.0
        wf = max(freq.weight("family", family, M_NAME), W_SIMILAR_FAMILY) if family else 0.0
        best = max(best, wg + wf)
    return best


def _dob_close(a: str, b: str) -> bool:
    if _one_edit(a, b):
        return True
    # day and month swapped: 1980-03-04 / 1980-04-03
    return len(a) == len(b) == 10 and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]


def _dob_near(a: str, b: str) -> bool:
    """Two typos apart, or in the same or the next year: a mistake as often as not."""
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 2:
        return True
    return a[:4].isdigit() and b[:4].isdigit() and abs(int(a[:4]) - int(b[:4])) <= 1


def _street_level(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """EXACT, SIMILAR (every word of the shorter is in the other, up to a typo), CLOSE (half
    of them) or DIFFERENT. Numbers must be equal, not similar."""
    if a == b or sorted(a) == sorted(b):
        return EXACT
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    found = 0
    for word in short:
        if word in long:
            found += 1
        elif len(word) > 2 and not word.isdigit():
            size = len(word)
            for other in long:
                # A typo changes the length by one or two at most.
                if -2 <= len(other) - size <= 2 and jaro_winkler(word, other) >= 0.9:
                    found += 1
                    break
    if found == len(short) and len(short) >= 2:
        return SIMILAR
    # A space lost or added ("goodwinstreet", "thomso n street"): compare the letters written
    # together, with the same house numbers.
    if [w for w in a if w.isdigit()] == [w for w in b if w.isdigit()] and (
        jaro_winkler("".join(a), "".join(b)) >= 0.93
    ):
        return SIMILAR
    if found * 2 >= len(short) and found:
        return CLOSE
    return DIFFERENT


def compare_person_keys(
    a: PersonKeys, b: PersonKeys, freq: Frequencies | None = None
) -> tuple[float, list[str]]:
    """The evidence (bits, prior included) that two people are one, and its reason codes."""
    freq = freq or _DEFAULT
    weight, reasons = _compare_names(a, b, freq)
    weight += freq.prior
    negative: list[str] = []

    if a.middle and b.middle:
        if a.middle == b.middle:
            weight += freq.weight("middle", a.middle, M_NAME, W_SAME_MIDDLE_CAP)
            reasons.append("same_middle_name")
        elif len(a.middle) > 1 and len(b.middle) > 1 and jaro_winkler(a.middle, b.middle) < 0.9:
            weight += W_DIFFERENT_MIDDLE
            negative.append("different_middle_name")

    if a.emails and b.emails:
        shared = [e for e in a.emails if e in b.emails]
        if shared:
            weight += max(_contact_weight(freq, "email", e, M_EMAIL) for e in shared)
            reasons.append("same_email")
        else:
            weight += W_NO_SHARED_EMAIL
    if a.phones and b.phones:
        shared = [p for p in a.phones if p in b.phones]
        if shared:
            weight += max(_contact_weight(freq, "phone", p, M_PHONE) for p in shared)
            reasons.append("same_phone")
        else:
            weight += W_NO_SHARED_PHONE

    if a.dob and b.dob:
        if a.dob == b.dob:
            weight += freq.weight("dob", a.dob, M_DOB, 16.0)
            reasons.append("same_birth_date")
        elif _dob_close(a.dob, b.dob):
            weight += W_SIMILAR_DOB
            reasons.append("similar_birth_date")
        elif _dob_near(a.dob, b.dob):
            weight += W_NEAR_DOB
        else:
            weight += W_DIFFERENT_DOB
            negative.append("different_birth_date")

    if a.idents and b.idents:
        if any(i in b.idents for i in a.idents):
            weight += W_SAME_IDENT
            reasons.append("same_identifier")
        elif any(_one_edit(i, j) for i in a.idents for j in b.idents):
            # A long number a typo away from the other is still a rare coincidence.
            long = min(len(i) for i in a.idents + b.idents) >= 6
            weight += W_SIMILAR_IDENT if long else W_SIMILAR_SHORT_IDENT
        else:
            weight += W_DIFFERENT_IDENT
            negative.append("different_identifier")

    if a.orgs and b.orgs:
        shared_orgs = [o for o in a.orgs if o in b.orgs]
        if shared_orgs:
            weight += max(freq.weight("org", str(o), M_ORG, W_ORG_CAP) for o in shared_orgs)
            reasons.append("same_organisation")
        else:
            weight += W_NO_SHARED_ORG
    elif a.org_names and b.org_names and "same_organisation" not in reasons:
        shared_names = [o for o in a.org_names if o in b.org_names]
        if shared_names:
            weight += max(freq.weight("org_name", o, M_ORG, W_ORG_CAP) for o in shared_names)
            reasons.append("same_organisation")

    if a.street and b.street:
        level = _street_level(a.street, b.street)
        if level == EXACT:
            weight += freq.weight("street", " ".join(a.street), M_STREET, 16.0)
            reasons.append("same_address")
        elif level == SIMILAR:
            # A typo away from the same address: almost as rare a coincidence.
            share_weight = freq.weight("street", " ".join(a.street), M_SIMILAR_STREET, 12.0)
            weight += max(W_SIMILAR_STREET, share_weight)
            reasons.append("similar_address")
        elif level == CLOSE:
            weight += W_PARTLY_STREET
        else:
            weight += W_DIFFERENT_STREET
    if a.postal and b.postal:
        if a.postal == b.postal:
            weight += freq.weight("postal", a.postal, M_POSTAL, 12.0)
            reasons.append("same_postal_code")
        elif _one_edit(a.postal, b.postal):
            weight += W_SIMILAR_POSTAL
        else:
            weight += W_DIFFERENT_POSTAL
    if a.city and b.city:
        if a.city == b.city:
            city = freq.weight("city", a.city, M_CITY, 10.0)
            # A postal code names its city: the city adds little to it.
            weight += min(city, W_CITY_WITH_POSTAL) if "same_postal_code" in reasons else city
            reasons.append("same_city")
        elif jaro_winkler(a.city, b.city) >= 0.9:
            weight += W_SIMILAR_CITY
        else:
            weight += W_DIFFERENT_CITY
    if a.country and b.country and a.country != b.country:
        weight += W_DIFFERENT_COUNTRY
    return weight, reasons + negative


def _has_agreement(reasons: list[str]) -> bool:
    return any(not r.startswith("different_") for r in reasons)


def compare_people(
    a: PersonFacts, b: PersonFacts, frequencies: Frequencies | None = None
) -> Match | None:
    """How likely ``a`` and ``b`` are one person; None when no field agrees at all.

    ``frequencies`` are the workspace's counts (see ``Frequencies``); without them every
    value counts as seen twice in a workspace of MIN_POPULATION records, with the common
    names of names.py more common than that.
    """
    weight, reasons = compare_person_keys(PersonKeys(a), PersonKeys(b), frequencies)
    if not _has_agreement(reasons):
        return None
    return Match(score_from_weight(weight), reasons, weight)


# --- organisations ----------------------------------------------------------------------------

W_SAME_EIK = 35.0
W_DIFFERENT_EIK = -25.0
W_SAME_CODE = 30.0  # PIC, OID, VAT
W_DIFFERENT_CODE = -15.0
M_ORG_EMAIL = 0.5
M_ORG_PHONE = 0.5
M_DOMAIN = 0.6
M_ORG_NAME = 0.9
M_ORG_NAME_OTHER_KIND = 0.25  # the same name, but "Сдружение X" and "X ЕООД"
# Organisations pick names to be told apart: two different ones share a name far less often
# than its count suggests. Added to a name agreement.
W_ORG_NAME_BONUS = 6.0
W_SIMILAR_ORG_NAME = 4.0
W_DIFFERENT_ORG_NAME = -6.0
M_ORG_CITY = 0.8
W_DIFFERENT_ORG_CITY = -3.0
W_DIFFERENT_ORG_COUNTRY = -5.0


def compare_organisation_keys(
    a: OrgKeys, b: OrgKeys, freq: Frequencies | None = None
) -> tuple[float, list[str]]:
    freq = freq or _DEFAULT
    weight = freq.prior
    reasons: list[str] = []
    negative: list[str] = []
    if a.eik and b.eik:
        if a.eik == b.eik:
            weight += W_SAME_EIK
            reasons.append("same_eik")
        else:
            weight += W_DIFFERENT_EIK
            negative.append("different_eik")
    for code, x, y in (("pic", a.pic, b.pic), ("oid", a.oid, b.oid), ("vat", a.vat, b.vat)):
        if not x or not y or (code == "vat" and "same_eik" in reasons):
            continue
        if x == y:
            weight += W_SAME_CODE
            reasons.append(f"same_{code}")
        elif not (code == "vat" and "different_eik" in negative):
            weight += W_DIFFERENT_CODE
            negative.append(f"different_{code}")

    if a.emails and b.emails:
        shared = [e for e in a.emails if e in b.emails]
        if shared:
            weight += max(freq.weight("email", e, M_ORG_EMAIL, 18.0) for e in shared)
            reasons.append("same_email")
    if a.phones and b.phones:
        shared = [p for p in a.phones if p in b.phones]
        if shared:
            weight += max(freq.weight("phone", p, M_ORG_PHONE, 16.0) for p in shared)
            reasons.append("same_phone")
    if a.domains and b.domains:
        shared = [d for d in a.domains if d in b.domains]
        if shared:
            weight += max(freq.weight("domain", d, M_DOMAIN, 14.0) for d in shared)
            reasons.append("same_website_domain")

    na, nb = a.name, b.name
    if na.core and nb.core:
        if na.core == nb.core:
            compatible = names.kinds_compatible(na.kinds, nb.kinds)
            m = M_ORG_NAME if compatible else M_ORG_NAME_OTHER_KIND
            weight += freq.weight("title", na.core, m, 18.0) + W_ORG_NAME_BONUS
            if na.plain == nb.plain and na.forms == nb.forms:
                reasons.append("same_name")
            else:
                if na.forms != nb.forms:
                    reasons.append("name_legal_form")
                if na.plain != nb.plain:
                    reasons.append("name_transliterated")
        elif sorted(na.core.split()) == sorted(nb.core.split()) or (
            jaro_winkler(na.core, nb.core) >= 0.93
        ):
            weight += W_SIMILAR_ORG_NAME
            reasons.append("similar_name")
        else:
            weight += W_DIFFERENT_ORG_NAME
    if a.city and b.city:
        if a.city == b.city:
            weight += freq.weight("city", a.city, M_ORG_CITY, 10.0)
            reasons.append("same_city")
        elif jaro_winkler(a.city, b.city) < 0.9:
            weight += W_DIFFERENT_ORG_CITY
            negative.append("different_city")
    if a.country and b.country and a.country != b.country:
        weight += W_DIFFERENT_ORG_COUNTRY
    return weight, reasons + negative


def compare_organisations(
    a: OrgFacts, b: OrgFacts, frequencies: Frequencies | None = None
) -> Match | None:
    """How likely ``a`` and ``b`` are one organisation; None when nothing agrees."""
    weight, reasons = compare_organisation_keys(OrgKeys(a), OrgKeys(b), frequencies)
    if not _has_agreement(reasons):
        return None
    return Match(score_from_weight(weight), reasons, weight)


# --- reasons in words -------------------------------------------------------------------------

REASON_LABELS = {
    "same_name": gettext_lazy("Same name"),
    "same_family_name": gettext_lazy("Same family name"),
    "name_transliterated": gettext_lazy("Name in another script or spelling"),
    "name_diminutive": gettext_lazy("Short form of the name"),
    "name_order_swapped": gettext_lazy("Names in the other order"),
    "similar_name": gettext_lazy("Similar name"),
    "name_legal_form": gettext_lazy("Same name apart from the legal form"),
    "same_middle_name": gettext_lazy("Same middle name"),
    "same_email": gettext_lazy("Same email"),
    "same_phone": gettext_lazy("Same phone"),
    "same_birth_date": gettext_lazy("Same date of birth"),
    "similar_birth_date": gettext_lazy("Nearly the same date of birth"),
    "same_identifier": gettext_lazy("Same identifier"),
    "same_organisation": gettext_lazy("Same organisation"),
    "same_address": gettext_lazy("Same address"),
    "similar_address": gettext_lazy("Similar address"),
    "same_postal_code": gettext_lazy("Same postal code"),
    "same_city": gettext_lazy("Same city"),
    "same_eik": gettext_lazy("Same EIK/BULSTAT"),
    "same_pic": gettext_lazy("Same PIC"),
    "same_vat": gettext_lazy("Same VAT number"),
    "same_oid": gettext_lazy("Same OID"),
    "same_website_domain": gettext_lazy("Same web domain"),
    "different_birth_date": gettext_lazy("Different dates of birth"),
    "different_middle_name": gettext_lazy("Different middle names"),
    "different_identifier": gettext_lazy("Different identifiers"),
    "different_eik": gettext_lazy("Different EIK/BULSTAT"),
    "different_pic": gettext_lazy("Different PIC"),
    "different_vat": gettext_lazy("Different VAT numbers"),
    "different_oid": gettext_lazy("Different OID"),
    "different_city": gettext_lazy("Different cities"),
}


def _person_name(p: PersonFacts) -> str:
    return " ".join(x for x in (p.given_name, p.family_name) if x) or p.other_spelling


def _shared(values_a, values_b, normalise) -> str:
    normalised_b = {normalise(v) for v in values_b}
    return next((v for v in values_a if normalise(v) in normalised_b), "")


def _pair(a: str, b: str) -> dict[str, str]:
    return {"a": a, "b": b}


def describe(reason: str, a: PersonFacts | OrgFacts, b: PersonFacts | OrgFacts) -> str:
    """One reason code of a match between ``a`` and ``b`` in words, e.g. "Same email: …"."""
    if isinstance(a, OrgFacts) and isinstance(b, OrgFacts):
        return _describe_organisations(reason, a, b)
    if isinstance(a, PersonFacts) and isinstance(b, PersonFacts):
        return _describe_people(reason, a, b)
    raise TypeError("describe() compares two people or two organisations")


def _describe_people(reason: str, a: PersonFacts, b: PersonFacts) -> str:
    name_a, name_b = _person_name(a), _person_name(b)
    dob_a, dob_b = _dob(a.date_of_birth), _dob(b.date_of_birth)
    if reason == "same_name":
        return _("Same name: %(name)s") % {"name": name_a}
    if reason == "same_family_name":
        return _("Same family name: %(a)s / %(b)s") % _pair(a.family_name, b.family_name)
    if reason == "name_transliterated":
        return _("The same name in another script or spelling: %(a)s / %(b)s") % _pair(
            name_a, name_b
        )
    if reason == "name_diminutive":
        return _("Forms of one given name: %(a)s / %(b)s") % _pair(a.given_name, b.given_name)
    if reason == "name_order_swapped":
        return _("Given and family names in the other order: %(a)s / %(b)s") % _pair(name_a, name_b)
    if reason == "similar_name":
        return _("Similar names: %(a)s / %(b)s") % _pair(name_a, name_b)
    if reason == "same_middle_name":
        return _("Same middle name: %(name)s") % {"name": a.middle_name}
    if reason == "different_middle_name":
        return _("Different middle names: %(a)s / %(b)s") % _pair(a.middle_name, b.middle_name)
    if reason == "same_email":
        return _("Same email: %(email)s") % {"email": _shared(a.emails, b.emails, normalize_email)}
    if reason == "same_phone":
        phone = _shared(a.phones, b.phones, _phone_digits)
        return _("Same phone: %(phone)s") % {"phone": format_phone(phone)}
    if reason == "same_birth_date":
        return _("Same date of birth: %(date)s") % {"date": dob_a}
    if reason == "similar_birth_date":
        return _("Nearly the same date of birth: %(a)s / %(b)s") % _pair(dob_a, dob_b)
    if reason == "different_birth_date":
        return _("Different dates of birth: %(a)s / %(b)s") % _pair(dob_a, dob_b)
    if reason == "same_identifier":
        ident = _shared(a.identifiers, b.identifiers, lambda v: v.strip().upper())
        return _("Same identifier: %(value)s") % {"value": ident}
    if reason == "different_identifier":
        return _("Different identifiers: %(a)s / %(b)s") % _pair(
            ", ".join(a.identifiers), ", ".join(b.identifiers)
        )
    if reason == "same_organisation":
        shared = _shared(
            a.organisation_names,
            b.organisation_names,
            lambda n: names.organisation_name(n).core,
        )
        if shared:
            return _("Same organisation: %(name)s") % {"name": shared}
        return _("Both are affiliated with the same organisation")
    if reason == "same_address":
        return _("Same address: %(address)s") % {"address": a.street}
    if reason == "similar_address":
        return _("Similar addresses: %(a)s / %(b)s") % _pair(a.street, b.street)
    if reason == "same_postal_code":
        return _("Same postal code: %(code)s") % {"code": a.postal_code}
    if reason == "same_city":
        return _("Same city: %(city)s") % {"city": a.city}
    return str(REASON_LABELS.get(reason, reason))


def _describe_organisations(reason: str, a: OrgFacts, b: OrgFacts) -> str:
    ka, kb = OrgKeys(a), OrgKeys(b)
    if reason == "same_name":
        return _("Same name: %(name)s") % {"name": a.name}
    if reason == "name_legal_form":
        return _("Same name apart from the legal form: %(a)s / %(b)s") % _pair(a.name, b.name)
    if reason == "name_transliterated":
        return _("The same name in another script or spelling: %(a)s / %(b)s") % _pair(
            a.name, b.name
        )
    if reason == "similar_name":
        return _("Similar names: %(a)s / %(b)s") % _pair(a.name, b.name)
    if reason == "same_eik":
        return _("Same EIK/BULSTAT: %(value)s") % {"value": ka.eik}
    if reason == "different_eik":
        return _("Different EIK/BULSTAT: %(a)s / %(b)s") % _pair(ka.eik, kb.eik)
    for code, label, different in (
        ("pic", _("Same PIC: %(value)s"), _("Different PIC: %(a)s / %(b)s")),
        ("vat", _("Same VAT number: %(value)s"), _("Different VAT numbers: %(a)s / %(b)s")),
        ("oid", _("Same OID: %(value)s"), _("Different OID: %(a)s / %(b)s")),
    ):
        if reason == f"same_{code}":
            return label % {"value": getattr(ka, code)}
        if reason == f"different_{code}":
            return different % _pair(getattr(ka, code), getattr(kb, code))
    if reason == "same_email":
        return _("Same email: %(email)s") % {"email": _shared(a.emails, b.emails, normalize_email)}
    if reason == "same_phone":
        phone = _shared(a.phones, b.phones, _phone_digits)
        return _("Same phone: %(phone)s") % {"phone": format_phone(phone)}
    if reason == "same_website_domain":
        domain = next((d for d in ka.domains if d in kb.domains), "")
        return _("Same web domain: %(domain)s") % {"domain": domain}
    if reason == "same_city":
        return _("Same city: %(city)s") % {"city": a.city}
    if reason == "different_city":
        return _("Different cities: %(a)s / %(b)s") % _pair(a.city, b.city)
    return str(REASON_LABELS.get(reason, reason))
