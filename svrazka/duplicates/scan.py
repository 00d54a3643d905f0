"""Likely duplicates: a scan of a whole workspace, and the candidates for a record about to be
saved.

The scan (``scan_people``, ``scan_organisations``) reads the workspace's records in bulk, turns
each into comparable keys (``matching.PersonKeys``), counts how common every value is
(``matching.Frequencies``) and puts each record into blocks: records that share a blocking key,
such as the family name and the date of birth, an email, a phone number or an EIK. Only records
of one block are compared, so the work grows with the blocks, not with the square of the
workspace. A block of more than ``BLOCK_CAP`` records (the "Иванов in Sofia" block of a big
workspace) is not compared all against all: its records are sorted by their other values and
each is compared with the ``WINDOW`` records that follow it (a sorted neighbourhood); a pair
with enough evidence to be a duplicate almost always also shares a small block (a date of
birth, an email) or sorts next to each other.

Each pair is compared once, however many blocks it shares: in the first small block of the two
(by the blocks' hashes), or else once among the neighbourhoods. The output is a stream of
``Pair(id_a, id_b, score, reasons)`` with id_a < id_b, ready to be stored as pairs (a later
"not a duplicate" decision names the same two ids).

``candidates_for`` and ``organisation_candidates_for`` answer "is this new record already
there?" with a few indexed queries (emails, phones, identifiers, the name's search tokens), so
they cost the same in a workspace of a hundred records or of a million.
"""

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef

from svrazka.contacts.models import (
    Affiliation,
    Organisation,
    OrganisationToken,
    Person,
    PersonEmail,
    PersonPhone,
    PersonToken,
)
from svrazka.duplicates import names
from svrazka.duplicates.matching import (
    DEFAULT_DUPLICATE_RATE,
    DEFAULT_THRESHOLD,
    TYPICAL_SHARES,
    W_SAME_MIDDLE_CAP,
    Frequencies,
    OrgFacts,
    OrgKeys,
    PersonFacts,
    PersonKeys,
    compare_organisation_keys,
    compare_person_keys,
    name_bound,
    score_from_weight,
    weight_for_score,
    worth_comparing,
)
from svrazka.lib import translit
from svrazka.lib.identifiers import normalize_phone

__all__ = [
    "BLOCK_CAP",
    "Candidate",
    "Pair",
    "WINDOW",
    "candidates_for",
    "find_organisation_pairs",
    "find_person_pairs",
    "load_organisations",
    "load_people",
    "organisation_candidates_for",
    "organisations_by_id",
    "people_by_id",
    "scan_organisations",
    "scan_people",
]

# Blocks up to this size are compared all against all; bigger ones by sorted neighbourhood.
BLOCK_CAP = 40
# In a big block, each record is compared with this many that follow it in sorted order.
WINDOW = 6
# Rows read from the database at a time.
CHUNK = 20_000
# Suggestions before saving: from this score (lower than the scan's: a person decides).
CANDIDATE_THRESHOLD = 50

ProgressCallback = Callable[[int, int], None]


class Pair(NamedTuple):
    """Two records that are likely one: their ids (id_a < id_b), the score and the reasons."""

    id_a: int
    id_b: int
    score: int
    reasons: tuple[str, ...]


class Candidate(NamedTuple):
    """A record that a new one may duplicate."""

    id: int
    score: int
    reasons: tuple[str, ...]


# --- blocking keys -----------------------------------------------------------------------------


def _person_blocks(k: PersonKeys) -> list[str]:
    """The blocking keys of a person: each is a kind letter or two, then values.

    Keys that start with GATED compare only the pairs that ``matching.worth_comparing``
    lets through (close names, or two other facts that agree): they are there to find a
    typo in one name part, or a name written in another field.
    """
    keys: list[str] = []
    dob = k.dob
    places = [p for p in ("c" + k.city if k.city else "", "p" + k.postal if k.postal else "") if p]
    for given, family, _, _ in k.names:
        groups = names.group_keys(given) if given else ()
        if given and family:
            # The pair unordered, so "Petrov Ivan" meets "Ivan Petrov"; the given name by its
            # variant group, so Гошо meets Георги (the family name too, in case it is the
            # given name written in the wrong field).
            keys.extend(
                "n" + min(g, f) + "|" + max(g, f) for g in groups for f in names.group_keys(family)
            )
        elif given or family:
            keys.append("n" + (given or family))
        # With a typo in one name part: the other part, and the date of birth or the place
        # and the first letter of the part with the typo.
        if family:
            if dob:
                keys.append("~fd" + family + "|" + dob)
            keys.extend(f"~fl{family}|{place}|{given[:1]}" for place in places)
            keys.extend(f"~fo{family}|{org}" for org in k.orgs)
        for g in groups:
            if dob:
                keys.append("~gd" + g + "|" + dob)
            keys.extend(f"~gl{g}|{place}|{family[:1]}" for place in places)
    if dob:
        keys.extend("~dl" + dob + "|" + place for place in places)
    if k.street:
        keys.extend(f"~sa{' '.join(k.street)}|{place}" for place in places)
    # Where the workspace has few records of a place, address or date of birth, records that
    # share only that one are compared too (typos in both names, a name replaced); where it
    # has many, these blocks are too big and are skipped.
    keys.extend(GATED + SMALL_ONLY + place for place in places)
    if k.street:
        keys.append(GATED + SMALL_ONLY + "s" + " ".join(k.street))
    if dob:
        keys.append(GATED + SMALL_ONLY + "d" + dob)
    keys.extend("e" + email for email in k.emails)
    keys.extend("p" + phone for phone in k.phones)
    keys.extend("i" + ident for ident in k.idents)
    for ident in k.idents:
        if len(ident) >= 6:  # a typo leaves one half of a long number as it was
            half = len(ident) // 2
            keys.append(GATED + SMALL_ONLY + "ia" + ident[:half])
            keys.append(GATED + SMALL_ONLY + "ib" + ident[half:])
    return keys


def _person_profile(k: PersonKeys) -> str:
    """The order of a big block: the values that vary within it bring likely pairs together."""
    given, family = k.names[0][0], k.names[0][1]
    return f"{family}|{given}|{k.city}|{k.postal}|{' '.join(k.street)}|{k.dob}"


def _organisation_blocks(k: OrgKeys) -> list[str]:
    keys: list[str] = []
    core = k.name.core
    if core:
        keys.append("n" + core)
        words = core.split()
        if len(words) > 1:
            keys.append("n" + " ".join(sorted(words)))
            # A typo in a later word: the first word and the city.
            keys.append("w" + words[0] + "|" + k.city)
    if k.eik:
        keys.append("k" + k.eik)
    for prefix, value in (("pic", k.pic), ("vat", k.vat), ("oid", k.oid)):
        if value:
            keys.append(prefix + value)
    keys.extend("e" + email for email in k.emails)
    keys.extend("p" + phone for phone in k.phones)
    keys.extend("d" + domain for domain in k.domains)
    return keys


def _organisation_profile(k: OrgKeys) -> str:
    return f"{k.name.core}|{k.city}|{k.country}"


# --- the pairs of a set of records -----------------------------------------------------------

# Marks at the start of a blocking key: GATED blocks compare only the pairs that the kind's
# quick test lets through; SMALL_ONLY blocks are skipped when they are big (GATED first).
GATED = "~"
SMALL_ONLY = "!"
# Blocking keys are kept as 63-bit hashes with these bits: gated ones sort after every other
# key (see _pairs for why that order matters).
_GATE_BIT = 1 << 62
_SMALL_ONLY_BIT = 1 << 61
_NAME_BIT = 1 << 60  # a block of one name ("n…" keys)
_HASH_MASK = _NAME_BIT - 1


def _hash_key(key: str) -> int:
    code = hash(key) & _HASH_MASK
    if key[0] == GATED:
        code |= _GATE_BIT
        key = key[1:]
    if key[0] == SMALL_ONLY:
        code |= _SMALL_ONLY_BIT
    elif key[0] == "n":
        code |= _NAME_BIT
    return code


@dataclass(frozen=True)
class _Kind[K: (PersonKeys, OrgKeys)]:
    """What the scan needs to know about people or organisations."""

    blocks: Callable[[K], list[str]]  # blocking keys ("n…" for one name)
    profile: Callable[[K], str]  # the sort order within a big block
    compare: Callable[[K, K, Frequencies], tuple[float, list[str]]]
    gate: Callable[[K, K], bool]  # the quick test of gated blocks
    # The most a record's name can weigh, and the most that the fields without blocks of
    # their own can add to it: a name block where even that stays under the threshold (the
    # "Иван Иванов" block of a big workspace) is skipped, as any pair of it that could
    # reach the threshold shares another block (a date of birth, an email, a place).
    name_bound: Callable[[K, Frequencies], float] | None = None
    name_slack: float = 0.0


def _hash_keys(keys: list[str]) -> tuple[int, ...]:
    return tuple({_hash_key(key) for key in keys})


def _pairs[K: (PersonKeys, OrgKeys)](
    records: list[K],
    block_keys: list[tuple[int, ...]],
    kind: _Kind[K],
    frequencies: Frequencies,
    threshold: int,
    keep: Callable[[int, int], bool] | None,
    on_progress: ProgressCallback | None,
    progress_base: int,
) -> Iterator[Pair]:
    """Compare the records that share blocks; yield the pairs that reach ``threshold``.

    ``block_keys[i]`` are the hashed blocking keys of record i (replaced as it goes).

    Where a pair is compared: in the first small block the two share (in hash order), if it
    is not gated or the pair passes the gate. As ungated keys sort before gated ones and the
    gate depends on the pair only, "the first small block, if the pair is eligible there" is
    the same as "the first small block where it is eligible". A pair that shares no small
    block where it is eligible is compared in the first big block whose neighbourhood brings
    it together (``seen``).
    """
    blocks: dict[int, int | list[int]] = {}
    for index, keys in enumerate(block_keys):
        for key in keys:
            members = blocks.get(key)
            if members is None:
                blocks[key] = index
            elif type(members) is int:
                blocks[key] = [members, index]
            else:
                members.append(index)
    least = weight_for_score(threshold)
    hopeless = least - frequencies.prior - kind.name_slack
    shared: dict[int, list[int]] = {}
    for key, members in blocks.items():
        if type(members) is not list:
            continue
        if len(members) > BLOCK_CAP and key & _SMALL_ONLY_BIT:
            continue
        if kind.name_bound is not None and key & _NAME_BIT:
            bound = kind.name_bound
            if max(bound(records[i], frequencies) for i in members) < hopeless:
                continue
        shared[key] = members
    del blocks
    # Each record keeps only the keys of its small blocks: the ones where it meets every other
    # member, which decide where a pair is compared.
    small = {key for key, members in shared.items() if len(members) <= BLOCK_CAP}
    for index, keys in enumerate(block_keys):
        block_keys[index] = tuple(sorted(key for key in keys if key in small))
    del small
    small_keys = block_keys

    total = progress_base + len(shared)
    step = max(1, len(shared) // 200)
    compare, gate, profile = kind.compare, kind.gate, kind.profile
    seen: set[int] = set()  # pairs met in big blocks (index a * 2**32 + index b)
    done = 0
    for key, members in shared.items():
        done += 1
        if on_progress is not None and done % step == 0:
            on_progress(progress_base + done, total)
        gated = key >= _GATE_BIT
        if len(members) <= BLOCK_CAP:
            pairs = _all_pairs(members, key, small_keys)
        else:
            pairs = _neighbours(members, records, profile, small_keys, seen, gate)
        for i, j in pairs:
            a, b = records[i], records[j]
            if keep is not None and not keep(a.id, b.id):
                continue
            if gated and not gate(a, b):
                continue
            weight, reasons = compare(a, b, frequencies)
            if weight >= least:
                score = score_from_weight(weight)
                yield (
                    Pair(a.id, b.id, score, tuple(reasons))
                    if a.id < b.id
                    else Pair(b.id, a.id, score, tuple(reasons))
                )
    if on_progress is not None:
        on_progress(total, total)


def _all_pairs(
    members: list[int], key: int, small_keys: list[tuple[int, ...]]
) -> list[tuple[int, int]]:
    """Every pair of a small block, but for those that an earlier small block compares."""
    pairs = []
    for x, i in enumerate(members):
        earlier = [k for k in small_keys[i] if k < key]
        if not earlier:
            pairs.extend((i, j) for j in members[x + 1 :])
            continue
        for j in members[x + 1 :]:
            theirs = small_keys[j]
            for k in earlier:
                if k in theirs:
                    break
            else:
                pairs.append((i, j))
    return pairs


def _neighbours[K: (PersonKeys, OrgKeys)](
    members: list[int],
    records: list[K],
    profile: Callable[[K], str],
    small_keys: list[tuple[int, ...]],
    seen: set[int],
    gate: Callable[[K, K], bool],
) -> list[tuple[int, int]]:
    """Pairs of a big block: each record with the WINDOW after it in the profile's order,
    but for those that a small block compares."""
    order = sorted(members, key=lambda index: profile(records[index]))
    pairs = []
    for x, i in enumerate(order):
        mine = small_keys[i]
        for j in order[x + 1 : x + 1 + WINDOW]:
            if mine:
                theirs = small_keys[j]
                both = [k for k in mine if k in theirs]
                if both and (both[0] < _GATE_BIT or gate(records[i], records[j])):
                    continue  # compared in their first small block
            code = (i << 32) | j if i < j else (j << 32) | i
            if code not in seen:
                seen.add(code)
                pairs.append((i, j))
    return pairs


def _prepare[K: (PersonKeys, OrgKeys)](
    keyed: Iterable[K],
    blocks_of: Callable[[K], list[str]],
    count: Callable[[Frequencies, K], None],
    frequencies: Frequencies,
    on_progress: ProgressCallback | None,
    expected: int,
) -> tuple[list[K], list[tuple[int, ...]]]:
    records: list[K] = []
    block_keys: list[tuple[int, ...]] = []
    total = 2 * max(expected, 1)
    for keys in keyed:
        records.append(keys)
        block_keys.append(_hash_keys(blocks_of(keys)))
        count(frequencies, keys)
        if on_progress is not None and len(records) % CHUNK == 0:
            on_progress(len(records), max(total, len(records) + 1))
    frequencies.population = len(records)
    return records, block_keys


def _any_pair(a: object, b: object) -> bool:
    return True


_PEOPLE = _Kind(
    blocks=_person_blocks,
    profile=_person_profile,
    compare=compare_person_keys,
    gate=worth_comparing,
    name_bound=name_bound,
    # A middle name has no block of its own (W_SAME_MIDDLE_CAP), and a margin.
    name_slack=W_SAME_MIDDLE_CAP + 2.0,
)
_ORGANISATIONS = _Kind(
    blocks=_organisation_blocks,
    profile=_organisation_profile,
    compare=compare_organisation_keys,
    gate=_any_pair,
)


# The share of all duplicate pairs that agree on given name, family name and date of birth,
# or on a personal identifier (when both records have them): see _estimate_match_probability.
DETERMINISTIC_RECALL = 0.8
# Bounds of the estimated number of duplicates per record.
_RATE_BOUNDS = (0.005, 2.0)


def _estimate_match_probability(
    records: list[PersonKeys], keep: Callable[[int, int], bool] | None
) -> float | None:
    """The prior probability that two records are one person, estimated from the data.

    As Splink's ``estimate_probability_two_random_records_match`` does with deterministic
    rules: pairs that agree exactly on given name, family name and date of birth, or on a
    personal identifier, are taken to be duplicates, and to be DETERMINISTIC_RECALL of the
    duplicates among records that have those fields. None when no record has them (the
    default rate then applies).
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    with_dob = with_ident = 0
    for index, k in enumerate(records):
        given, family = k.names[0][0], k.names[0][1]
        if k.dob and given and family:
            with_dob += 1
            groups.setdefault(("n", given, family, k.dob), []).append(index)
        if k.idents:
            with_ident += 1
            for ident in k.idents:
                groups.setdefault(("i", ident), []).append(index)
    n = len(records)
    covered = max(with_dob, with_ident) / n if n else 0.0
    if n < 2 or covered == 0:
        return None
    found: set[tuple[int, int]] = set()
    for members in groups.values():
        if len(members) < 2 or len(members) > BLOCK_CAP:  # a crowd is not one person
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if keep is None or keep(records[i].id, records[j].id):
                    found.add((i, j))
    universe = n * (n - 1) / 2
    if keep is not None:  # the share of pairs that are kept, from a sample
        rng = random.Random(n)
        sample = [rng.sample(range(n), 2) for _ in range(2000)]
        universe *= max(sum(keep(records[i].id, records[j].id) for i, j in sample), 1) / 2000
    duplicates = len(found) / DETERMINISTIC_RECALL / covered**2
    low, high = _RATE_BOUNDS
    duplicates = min(max(duplicates, low * n), high * n)
    return min(0.5, duplicates / universe)


def find_person_pairs(
    facts: Iterable[PersonFacts],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    duplicate_rate: float | None = None,
    keep: Callable[[int, int], bool] | None = None,
    on_progress: ProgressCallback | None = None,
    expected: int = 0,
) -> Iterator[Pair]:
    """The likely duplicate pairs among ``facts`` (any iterable; read once).

    ``duplicate_rate`` is the expected number of other records of the same person per record,
    which with the number of records gives the prior; None estimates the prior from the data
    (``_estimate_match_probability``), falling back to DEFAULT_DUPLICATE_RATE.
    ``keep(id_a, id_b)`` may skip pairs before they are compared (a benchmark linking two
    files keeps only pairs across them). ``expected`` (the number of records, if known) makes
    the progress of the first phase meaningful.
    """
    frequencies = Frequencies(duplicate_rate=duplicate_rate or DEFAULT_DUPLICATE_RATE)
    records, block_keys = _prepare(
        (PersonKeys(f) for f in facts),
        _PEOPLE.blocks,
        Frequencies.add_person,
        frequencies,
        on_progress,
        expected,
    )
    if duplicate_rate is None:
        frequencies.match_probability = _estimate_match_probability(records, keep)
    yield from _pairs(
        records,
        block_keys,
        _PEOPLE,
        frequencies,
        threshold,
        keep,
        on_progress,
        len(records),
    )


def find_organisation_pairs(
    facts: Iterable[OrgFacts],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    duplicate_rate: float = DEFAULT_DUPLICATE_RATE,
    keep: Callable[[int, int], bool] | None = None,
    on_progress: ProgressCallback | None = None,
    expected: int = 0,
) -> Iterator[Pair]:
    """The likely duplicate pairs among organisations (see ``find_person_pairs``)."""
    frequencies = Frequencies(duplicate_rate=duplicate_rate)
    records, block_keys = _prepare(
        (OrgKeys(f) for f in facts),
        _ORGANISATIONS.blocks,
        Frequencies.add_organisation,
        frequencies,
        on_progress,
        expected,
    )
    yield from _pairs(
        records,
        block_keys,
        _ORGANISATIONS,
        frequencies,
        threshold,
        keep,
        on_progress,
        len(records),
    )


# --- reading a workspace ---------------------------------------------------------------------


def _by_owner(rows: Iterator[tuple]) -> Iterator[tuple[int, list]]:
    """(owner id, value) rows in owner order -> (owner id, [values])."""
    current, values = None, []
    for owner, value in rows:
        if owner != current:
            if current is not None:
                yield current, values
            current, values = owner, []
        values.append(value)
    if current is not None:
        yield current, values


class _Lookup:
    """Values of a child table, read alongside the people in id order (a merge join)."""

    def __init__(self, rows: Iterator[tuple]) -> None:
        self._groups = _by_owner(rows)
        self._next = next(self._groups, None)

    def get(self, owner: int) -> tuple:
        while self._next is not None and self._next[0] < owner:
            self._next = next(self._groups, None)
        if self._next is not None and self._next[0] == owner:
            return tuple(self._next[1])
        return ()


_PERSON_FIELDS = (
    "id",
    "given_name",
    "middle_name",
    "family_name",
    "other_spelling",
    "date_of_birth",
    "city",
    "postal_code",
    "street",
    "country",
)


def load_people(workspace) -> Iterator[PersonFacts]:
    """Every person of the workspace as PersonFacts, in id order, read in chunks."""
    people = (
        Person.objects.filter(workspace=workspace)
        .order_by("id")
        .values_list(*_PERSON_FIELDS)
        .iterator(chunk_size=CHUNK)
    )

    def children(model, field: str, owner: str = "person_id") -> _Lookup:
        rows = (
            model.objects.filter(workspace=workspace)
            .order_by(owner, "position" if model is not Affiliation else "id")
            .values_list(owner, field)
            .iterator(chunk_size=CHUNK)
        )
        return _Lookup(rows)

    emails = children(PersonEmail, "email")
    phones = children(PersonPhone, "number")
    organisations = children(Affiliation, "organisation_id")
    for pk, given, middle, family, other, dob, city, postal, street, country in people:
        yield PersonFacts(
            id=pk,
            given_name=given,
            middle_name=middle,
            family_name=family,
            other_spelling=other,
            emails=emails.get(pk),
            phones=phones.get(pk),
            date_of_birth=dob,
            city=city,
            postal_code=postal,
            street=street,
            country=country,
            organisations=organisations.get(pk),
        )


_ORGANISATION_FIELDS = (
    "id",
    "name",
    "short_name",
    "eik",
    "pic",
    "vat",
    "oid",
    "email",
    "phone",
    "website",
    "city",
    "country",
)


def _organisation_facts(row: Sequence) -> OrgFacts:
    pk, name, short, eik, pic, vat, oid, email, phone, website, city, country = row
    return OrgFacts(
        id=pk,
        name=name,
        short_name=short,
        eik=eik,
        pic=pic,
        vat=vat,
        oid=oid,
        emails=(email,) if email else (),
        phones=(phone,) if phone else (),
        website=website,
        city=city,
        country=country,
    )


def load_organisations(workspace) -> Iterator[OrgFacts]:
    rows = (
        Organisation.objects.filter(workspace=workspace)
        .order_by("id")
        .values_list(*_ORGANISATION_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        yield _organisation_facts(row)


def scan_people(
    workspace,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    on_progress: ProgressCallback | None = None,
) -> Iterator[Pair]:
    """The likely duplicate pairs of people in a workspace, as they are found.

    ``on_progress(done, total)`` is called as it goes: reading the people is the first half
    of the work, comparing the blocks the second.
    """
    expected = Person.objects.filter(workspace=workspace).count()
    return find_person_pairs(
        load_people(workspace), threshold=threshold, on_progress=on_progress, expected=expected
    )


def scan_organisations(
    workspace,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    on_progress: ProgressCallback | None = None,
) -> Iterator[Pair]:
    """The likely duplicate pairs of organisations in a workspace (see ``scan_people``)."""
    expected = Organisation.objects.filter(workspace=workspace).count()
    return find_organisation_pairs(
        load_organisations(workspace),
        threshold=threshold,
        on_progress=on_progress,
        expected=expected,
    )


# --- before saving: is this record already there? --------------------------------------------

# How many records a name look-up brings back to compare at most.
NAME_CANDIDATES = 200
# Counting how common a name is stops here: beyond it a name proves little anyway.
COUNT_CAP = 20_000
# How long a workspace's number of records is trusted (seconds).
POPULATION_TTL = 600

_populations: dict[tuple[str, int], tuple[float, int]] = {}


def _population(model, workspace) -> int:
    """The number of people or organisations in a workspace, counted now and then."""
    key = (model.__name__, workspace.pk)
    hit = _populations.get(key)
    now = time.monotonic()
    if hit is None or now - hit[0] > POPULATION_TTL:
        hit = (now, model.objects.filter(workspace=workspace).count())
        _populations[key] = hit
    return hit[1]


# A look-up by name reads at most this many holders of the rarer part of the name.
SCAN_CAP = 5_000


def _count_tokens(token_model, workspace, tokens: list[str]) -> int:
    """Rows of these search tokens (one per holder of each), counted up to COUNT_CAP."""
    rows = token_model.objects.filter(workspace=workspace, token__in=tokens).values("pk")
    return rows[:COUNT_CAP].count()


def _holders_of_both(workspace, driving: list[str], other: list[str]) -> list[int]:
    """People holding one of the ``driving`` tokens and one of the ``other`` ones: the first
    SCAN_CAP holders of ``driving`` are read, each probed for ``other`` in the index of a
    person's tokens, so the cost stays bounded when both parts are common but rare together.
    """
    table = connection.ops.quote_name(PersonToken._meta.db_table)
    marks = ", ".join(["%s"] * len(driving))
    other_marks = ", ".join(["%s"] * len(other))
    sql = (
        f"SELECT d.person_id FROM (SELECT person_id FROM {table} WHERE workspace_id = %s "
        f"AND token IN ({marks}) LIMIT %s) d WHERE EXISTS (SELECT 1 FROM {table} t "
        f"WHERE t.workspace_id = %s AND t.person_id = d.person_id AND t.token IN ({other_marks})) "
        "LIMIT %s"
    )
    params = [workspace.pk, *driving, SCAN_CAP, workspace.pk, *other, NAME_CANDIDATES]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _longest_word_skeleton(text: str) -> str:
    words = [translit.skeleton(w) for w in text.split()]
    return max(words, key=len, default="")[: translit.MAX_TOKEN]


def _normalised_phones(phones: Iterable[str], region: str) -> list[str]:
    result = []
    for phone in phones:
        try:
            result.append(normalize_phone(phone, region or "BG"))
        except ValidationError:
            continue
    return result


def candidates_for(
    workspace,
    facts: PersonFacts,
    limit: int = 5,
    *,
    threshold: int = CANDIDATE_THRESHOLD,
) -> list[Candidate]:
    """People of the workspace that ``facts`` (a person about to be saved) may duplicate,
    best first. ``facts.id`` is left out of the answer (0 or None for a new person)."""
    region = facts.country or workspace.default_country or "BG"
    phones = _normalised_phones(facts.phones, region)
    emails = [e.strip().lower() for e in facts.emails if e and e.strip()]
    facts = PersonFacts(**{**_as_dict(facts), "phones": tuple(phones), "emails": tuple(emails)})
    mine = PersonKeys(facts)

    found: dict[int, None] = {}
    email_rows = list(
        PersonEmail.objects.filter(workspace=workspace, email__in=emails).values_list(
            "person_id", "email"
        )
        if emails
        else []
    )
    phone_rows = list(
        PersonPhone.objects.filter(workspace=workspace, number__in=phones).values_list(
            "person_id", "number"
        )
        if phones
        else []
    )
    found.update((pk, None) for pk, _ in email_rows + phone_rows)

    frequencies = Frequencies(
        population=_population(Person, workspace), duplicate_rate=DEFAULT_DUPLICATE_RATE
    )
    frequencies.assumed.update(TYPICAL_SHARES)
    for _, email in email_rows:
        frequencies.add("email", email)
    for _, number in phone_rows:
        frequencies.add("phone", number.lstrip("+"))

    spellings = [(facts.given_name, facts.family_name)]
    other = facts.other_spelling.split()
    if len(other) >= 2:
        spellings.append((other[0], " ".join(other[1:])))
    for given, family in spellings:
        family_token = _longest_word_skeleton(family)
        given_token = _longest_word_skeleton(given)
        if not family_token:
            continue
        family_count = _count_tokens(PersonToken, workspace, [family_token])
        frequencies.add("family", translit.skeleton(family), family_count)
        if not given_token:
            holders = PersonToken.objects.filter(workspace=workspace, token=family_token)
            ids = list(holders.values_list("person_id", flat=True)[:NAME_CANDIDATES])
        else:
            frequencies.add(
                "given",
                translit.skeleton(given),
                _count_tokens(PersonToken, workspace, [given_token]),
            )
            given_count = frequencies.count("given", translit.skeleton(given))
            for group in names.group_keys(given_token):
                count = (
                    given_count
                    if group == given_token
                    else _count_tokens(PersonToken, workspace, [group])
                )
                frequencies.add("group", group, count)
            variants = list(names.variant_skeletons(given_token)[:40])
            # Read the holders of the rarer part and keep those that also hold the other.
            if family_count <= _count_tokens(PersonToken, workspace, variants):
                ids = _holders_of_both(workspace, [family_token], variants)
            else:
                ids = _holders_of_both(workspace, variants, [family_token])
        found.update((pk, None) for pk in ids)
    found.pop(facts.id, None)
    if not found:
        return []

    candidates = []
    for other_facts in _people_by_id(workspace, list(found)):
        weight, reasons = compare_person_keys(mine, PersonKeys(other_facts), frequencies)
        score = score_from_weight(weight)
        if score >= threshold:
            candidates.append(Candidate(other_facts.id, score, tuple(reasons)))
    candidates.sort(key=lambda c: (-c.score, c.id))
    return candidates[:limit]


def _as_dict(facts: PersonFacts) -> dict:
    return {name: getattr(facts, name) for name in PersonFacts.__slots__}


def _people_by_id(workspace, ids: list[int]) -> list[PersonFacts]:
    rows = Person.objects.filter(workspace=workspace, id__in=ids).values_list(*_PERSON_FIELDS)
    emails: dict[int, list[str]] = {}
    for pk, email in PersonEmail.objects.filter(workspace=workspace, person_id__in=ids).values_list(
        "person_id", "email"
    ):
        emails.setdefault(pk, []).append(email)
    phones: dict[int, list[str]] = {}
    for pk, number in PersonPhone.objects.filter(
        workspace=workspace, person_id__in=ids
    ).values_list("person_id", "number"):
        phones.setdefault(pk, []).append(number)
    orgs: dict[int, list[int]] = {}
    for pk, org in Affiliation.objects.filter(workspace=workspace, person_id__in=ids).values_list(
        "person_id", "organisation_id"
    ):
        orgs.setdefault(pk, []).append(org)
    return [
        PersonFacts(
            id=pk,
            given_name=given,
            middle_name=middle,
            family_name=family,
            other_spelling=other,
            emails=tuple(emails.get(pk, ())),
            phones=tuple(phones.get(pk, ())),
            date_of_birth=dob,
            city=city,
            postal_code=postal,
            street=street,
            country=country,
            organisations=tuple(orgs.get(pk, ())),
        )
        for pk, given, middle, family, other, dob, city, postal, street, country in rows
    ]


def people_by_id(workspace, ids: list[int]) -> list[PersonFacts]:
    """The facts of these people of the workspace (five queries), for describing pairs."""
    return _people_by_id(workspace, ids)


def organisations_by_id(workspace, ids: list[int]) -> list[OrgFacts]:
    """The facts of these organisations of the workspace (one query)."""
    rows = Organisation.objects.filter(workspace=workspace, id__in=ids)
    return [_organisation_facts(row) for row in rows.values_list(*_ORGANISATION_FIELDS)]


def organisation_candidates_for(
    workspace,
    facts: OrgFacts,
    limit: int = 5,
    *,
    threshold: int = CANDIDATE_THRESHOLD,
) -> list[Candidate]:
    """Organisations of the workspace that ``facts`` may duplicate, best first."""
    mine = OrgKeys(facts)
    orgs = Organisation.objects.filter(workspace=workspace)
    found: dict[int, None] = {}
    if mine.eik:
        found.update((pk, None) for pk in orgs.filter(eik=mine.eik).values_list("id", flat=True))
    elif mine.vat.startswith("BG"):
        eik = mine.vat[2:]
        found.update((pk, None) for pk in orgs.filter(eik=eik).values_list("id", flat=True))
    if mine.pic:
        found.update((pk, None) for pk in orgs.filter(pic=mine.pic).values_list("id", flat=True))
    # VAT numbers and emails are among the search tokens (their words written together); a
    # Bulgarian VAT number is BG and the EIK.
    tokens = set()
    if mine.vat:
        tokens.add(translit.skeleton(mine.vat)[: translit.MAX_TOKEN])
    if mine.eik:
        tokens.add("bg" + mine.eik)
    for email in facts.emails:
        words = translit.tokens(email.strip().lower())
        tokens.add(max(words, key=len, default=""))
    tokens.discard("")
    if tokens:
        found.update(
            (pk, None)
            for pk in OrganisationToken.objects.filter(
                workspace=workspace, token__in=sorted(tokens)
            ).values_list("organisation_id", flat=True)[:NAME_CANDIDATES]
        )
    words = sorted(set(mine.name.core.split()), key=len, reverse=True)[:2]
    words = [w[: translit.MAX_TOKEN] for w in words if w]
    if words:
        holders = OrganisationToken.objects.filter(workspace=workspace, token=words[0])
        for word in words[1:]:
            holders = holders.filter(
                Exists(
                    OrganisationToken.objects.filter(
                        workspace=workspace,
                        organisation_id=OuterRef("organisation_id"),
                        token=word,
                    )
                )
            )
        found.update(
            (pk, None) for pk in holders.values_list("organisation_id", flat=True)[:NAME_CANDIDATES]
        )
    found.pop(facts.id, None)
    if not found:
        return []

    others = [
        OrgKeys(_organisation_facts(row))
        for row in orgs.filter(id__in=list(found)).values_list(*_ORGANISATION_FIELDS)
    ]
    frequencies = Frequencies(population=_population(Organisation, workspace))
    frequencies.assumed.update(TYPICAL_SHARES)
    for keys in others:  # the look-up found every holder of the name: count among them
        frequencies.add_organisation(keys)
    candidates = []
    for keys in others:
        weight, reasons = compare_organisation_keys(mine, keys, frequencies)
        score = score_from_weight(weight)
        if score >= threshold:
            candidates.append(Candidate(keys.id, score, tuple(reasons)))
    candidates.sort(key=lambda c: (-c.score, c.id))
    return candidates[:limit]
