"""Search keys: transliteration, spelling variants, prefix matching, sort keys."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svrazka.lib import translit
from svrazka.lib.translit import fold, query_tokens, skeleton, sort_key, tokens, upper_bound

TOKEN = re.compile(r"^[a-z0-9]+$")
BG = "абвгдежзийклмнопрстуфхцчшщъьюя"


def matches(query: str, name: str) -> bool:
    """What the database does: every query token is a prefix of some token of the record."""
    record = tokens(name)
    return all(any(t.startswith(q) for t in record) for q in query_tokens(query))


def finds(query: str, name: str) -> bool:
    """The query has tokens and matches the record."""
    return bool(query_tokens(query)) and matches(query, name)


SAME = [
    ["Hristo", "Christo", "Khristo", "Хрісто", "Христо"],
    ["Petrov", "Petroff", "Petrof", "Петров"],
    ["Georgi", "Gueorgui", "Georgy", "Георги", "Георгий"],
    ["Zhivkov", "Jivkov", "Živkov", "Живков"],
    ["Yordan", "Iordan", "Jordan", "Йордан"],
    ["Nikolay", "Nikolai", "Nikolaj", "Николай"],
    ["Tsvetan", "Cvetan", "Цветан"],
    ["Shtereva", "Штерева"],
    ["Yulia", "Iulia", "Iuliya", "Julia", "Юлия"],
    ["Dimitar", "Dimiter", "Димитър"],
    ["Vasil", "Wasil", "Wassil", "Васил"],
    ["Philip", "Filip", "Phillip", "Филип"],
    ["Alexander", "Aleksandar", "Александър"],
    ["Ivanova", "Иванова"],
    ["Maria", "Mariya", "Marija", "Мария"],
    ["Papadopoulos", "Παπαδόπουλος", "Papadopulos"],
    ["Stoyanov", "Stojanov", "Stoianov", "Стоянов"],
    ["Chavdar", "Чавдар"],
    ["Evangelos", "Ευάγγελος"],
    ["Djordje", "Đorđe", "Ђорђе"],
    ["Ștefan", "Stefan", "Ştefan"],
]


@pytest.mark.parametrize("names", SAME, ids=lambda names: names[0])
def test_spelling_variants_share_a_skeleton(names):
    assert len({skeleton(name) for name in names}) == 1


@pytest.mark.parametrize("names", SAME, ids=lambda names: names[0])
def test_spelling_variants_find_each_other(names):
    for query in names:
        for name in names:
            assert finds(query, name), (query, name)
            assert finds(query.upper(), name.lower()), (query, name)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Хрис", "Христо"),
        ("Хрис", "Christo"),
        ("Chr", "Христо"),
        ("Petr", "Петров"),
        ("Petrof", "Petroff"),
        ("Petrof", "Петров"),
        ("Georg", "Gueorgui"),
        ("Georg", "Георги"),
        ("Zhiv", "Живков"),
        ("Jiv", "Живков"),
        ("Zhiv", "Jivkov"),
        ("Жив", "Živkov"),
        ("Ива", "Ivanova"),
        ("Iv", "Иванова"),
        ("Ts", "Цветан"),
        ("Tsv", "Cvetan"),
        ("Sht", "Штерева"),
        ("Shterev", "Штерева"),
        ("Dimite", "Димитър"),
        ("Alexand", "Александър"),
        ("Papadopo", "Παπαδόπουλος"),
        ("Παπαδόπ", "Papadopoulos"),
        ("Stoj", "Стоянов"),
        ("hristo petr", "Петров Христо"),
        ("Иван Петров", "Ivan Petrov"),
        ("ivanpetrov", "ivan.petrov@mail.bg"),
        ("mail.bg", "ivan.petrov@mail.bg"),
        ("Petrova", "Иванова-Петрова"),
        ("obrien", "O'Brien"),
        ("8310", "ЕИК 831000111"),
        ("831000111", "831000111"),
        ("Zivkov", "Živkov"),
    ],
)
def test_partial_and_compound_queries_find(query, name):
    assert finds(query, name)


@pytest.mark.parametrize(
    ("query", "name"),
    [("Hav", "Чавдар"), ("Havdar", "Chavdar"), ("Petrov", "Иван"), ("Иван Петров", "Иван")],
)
def test_unrelated_names_are_not_found(query, name):
    assert not finds(query, name)


def test_fold_keeps_spelling_and_punctuation():
    assert fold("  Ștefan   Живков ") == "stefan zhivkov"
    assert fold("Щерева-Юлия") == "shtereva-yuliya"
    assert fold("Παπαδόπουλος") == "papadopoulos"
    assert fold("Müller, François") == "muller, francois"
    assert fold("Łódź 中文") == "lodz"
    assert fold("a\x00b\tc") == "ab c"
    assert fold("Μπάμπης Χρήστου") == "bambis christou"


def test_tokens_hold_skeletons():
    assert tokens("Petroff") == tokens("Петров") == {"petrov"}
    assert tokens("Živkov") == {"jivkov", "zivkov"}  # typed without the háček too
    assert tokens("Иванова-Петрова") >= {"ivanova", "petrova", "ivanovapetrova"}
    assert tokens("", "  ") == set()
    assert all(len(token) <= 40 for token in tokens("а" * 100))


@pytest.mark.parametrize(
    "text",
    ["' OR 1=1 --", "%", "_", "\\", "';DROP TABLE x;--", "<script>alert(1)</script>", "%_%"],
)
def test_hostile_text_gives_plain_tokens(text):
    for token in [*tokens(text), *query_tokens(text)]:
        assert TOKEN.match(token)


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "%", "_", "--", "'", "Z", "Ch"])
def test_queries_without_words_give_no_tokens(query):
    assert query_tokens(query) == []


def test_query_tokens_are_unique_ordered_and_limited():
    assert query_tokens("Петров Petroff петров Иван") == ["petrov", "petro", "ivan"]
    assert len(query_tokens(" ".join(f"w{i}x" for i in range(20)))) == 8


def test_sort_key_follows_bulgarian_order():
    names = ["", "1 май", "Ангел", "Борис", "Ев", "Ёлка", "Жана", "Иван", "Иван Петров",
             "Иванов", "Иванова", "Йордан", "Ъгъл", "Ьо", "Юлия", "Ясен", "Adams", "Émile",
             "Zoe", "Ωμέγα"]  # fmt: skip
    assert sorted(names, key=sort_key) == names
    assert [sort_key(name) for name in names] == sorted(sort_key(name) for name in names)


def test_sort_key_ignores_case_punctuation_and_extra_spaces():
    assert sort_key("Иван  Петров") == sort_key("иван петров,") == sort_key(" ИВАН - ПЕТРОВ ")
    assert re.fullmatch(r"([0-9a-z]{2})*", sort_key("Ștefan Ωμέγα 42 中"))
    assert len(sort_key("я" * 200)) == 120


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [("a", "b"), ("ab", "ac"), ("az", "b"), ("a9", "aa"), ("9", "a"), ("abz9", "abza"),
     ("azz", "b"), ("z", "z{"), ("zz", "zz{"), ("", "{")],
)  # fmt: skip
def test_upper_bound(prefix, bound):
    assert upper_bound(prefix) == bound


def test_upper_bound_rejects_non_tokens():
    with pytest.raises(ValueError):
        upper_bound("a%")


ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"


@given(st.text(ALNUM, max_size=4), st.text(ALNUM, max_size=6))
def test_upper_bound_range_is_exactly_the_prefix(prefix, token):
    assert token.startswith(prefix) == (prefix <= token < upper_bound(prefix))


@given(st.text(max_size=200))
def test_any_text_gives_plain_bounded_tokens(text):
    wanted = query_tokens(text)
    assert len(wanted) <= 8
    for token in [*tokens(text), *wanted]:
        assert TOKEN.match(token) and len(token) <= 40
    assert matches(text, text)
    assert re.fullmatch(r"([0-9a-z]{2})*", sort_key(text)) and len(sort_key(text)) <= 120


WORDS = st.one_of(
    st.text(BG, min_size=1, max_size=12),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12),
    st.text("αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ", min_size=1, max_size=12),
)


@settings(max_examples=500)
@given(WORDS, st.integers(min_value=1, max_value=12))
def test_typing_the_start_of_a_word_finds_it(word, length):
    assert matches(word, word)
    assert matches(word[:length], word)


@given(st.text(BG, min_size=1, max_size=12))
def test_official_transliteration_gives_the_same_skeleton(word):
    assert skeleton(word) == skeleton(fold(word))


@given(st.lists(st.text(BG, min_size=1, max_size=8), min_size=2, max_size=2))
def test_sort_key_orders_bulgarian_words_alphabetically(pair):
    def order(word: str) -> list[int]:
        return [BG.index(letter) for letter in word]

    first, second = pair
    assert (sort_key(first) < sort_key(second)) == (order(first) < order(second))


ASCII_WORDS = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=60
)


@given(ASCII_WORDS)
def test_the_ascii_shortcut_gives_the_general_tokens(word):
    """tokens() takes a shortcut for ASCII words; it must give what the general path gives
    (the tokens stored for every contact depend on it)."""
    general = {skeleton(word)[:40], skeleton(fold(word))[:40]} - {""}
    assert tokens(word) == general
    assert tokens(f"{word}.x@example.org") >= general


@given(st.text("0123456789", min_size=1, max_size=60))
def test_the_number_shortcut_gives_the_general_tokens(word):
    """Numbers (phones, codes) take a shorter way still; the same tokens."""
    general = {skeleton(word)[:40], skeleton(fold(word))[:40]} - {""}
    assert tokens(word) == general


@settings(max_examples=1000)
@given(st.text("abcdefghjkloprstuvxyz0123456789", min_size=1, max_size=30))
def test_digits_in_a_word_leave_the_fold_of_its_letters_as_it_is(word):
    """The fold of a word with digits is taken from the same word with each run of digits
    written "0" (a form that repeats across e-mails like ivan1990, ivan2001); it must be what
    the rules give for the word itself."""
    assert translit._phonetic(word) == translit._fold_letters.__wrapped__(word)


LATIN_ACCENTED = st.text("abcčćdđefghijklmnoprsštuvzžăâîșțéèüöäłßø", min_size=1, max_size=12)


@settings(max_examples=500)
@given(st.one_of(WORDS, LATIN_ACCENTED), st.integers(min_value=1, max_value=40))
def test_typing_the_start_of_the_plain_spelling_finds_the_word(word, length):
    """Names are often typed without their accents, or in their official transliteration
    ("Zivkov" for Živkov, "Tsenov" for Ценов, "Papadopoulos" for Παπαδόπουλος)."""
    assert matches(fold(word)[:length], word)


def _sort_key_char_by_char(text: str) -> str:
    """sort_key as first written: one character at a time over the whole text."""
    import unicodedata

    ranks: list[int] = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        if char.isspace():
            if ranks and ranks[-1] != 0:
                ranks.append(0)
            continue
        for base in [char] if char in translit._SORT_RANKS else unicodedata.normalize("NFKD", char):
            for letter in translit._EXTRA.get(base, base):
                if letter in translit._SORT_RANKS:
                    ranks.append(translit._SORT_RANKS[letter])
                elif unicodedata.decimal(letter, None) is not None:
                    ranks.append(10 + unicodedata.decimal(letter))
                elif letter.isalnum():
                    ranks.append(translit._SORT_OTHER)
    while ranks and ranks[-1] == 0:
        ranks.pop()
    key = "".join(translit._ALPHABET[r // 36] + translit._ALPHABET[r % 36] for r in ranks)
    return key[: translit.MAX_SORT_KEY]


@settings(max_examples=500)
@given(
    st.text(
        st.sampled_from("аБвЪьюя ÄéßſﬁǅΣσς\u00a0\u2003\t-'.,5٣½ \u0301xYz") | st.characters(),
        max_size=80,
    )
)
def test_sort_key_word_by_word_equals_char_by_char(text):
    assert translit.sort_key(text) == _sort_key_char_by_char(text)


@given(
    st.one_of(WORDS, ASCII_WORDS.map(str.lower)),
    st.from_regex(r"[a-z0-9.]{1,12}@[a-z]{1,8}\.bg", fullmatch=True),
)
def test_the_bench_generator_gives_the_services_tokens(word, email):
    """seed_bench computes tokens its own (cached) way; the search depends on them being
    the services' tokens."""
    from svrazka.contacts.management.commands.seed_bench import CAUSES, TAGS, Generator

    generator = Generator(
        vendor="sqlite",
        workspace_id=1,
        owner_id=1,
        causes=list(range(len(CAUSES))),
        tags=list(range(len(TAGS))),
        now=0.0,
    )
    assert generator.text_tokens(f"{word} {word}x") == tokens(f"{word} {word}x")
    assert generator.email_tokens(email) == tokens(email)
