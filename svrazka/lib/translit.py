"""Search keys for names written in Cyrillic, Greek or Latin.

Records store a set of short ASCII search tokens ([a-z0-9], at most 40 characters); a query
matches when every query token is a prefix of some record token. Both sides go through
the same steps:

1. ``fold``: NFKC, casefold, Cyrillic by the Bulgarian Streamlined System (2009), Greek
   ELOT 743-like, accents dropped (``Ștefan`` -> ``stefan``, ``Živkov`` -> ``zivkov``).
2. ``skeleton``: the same, then common spelling variants folded to one phonetic key, so
   Hristo, Christo, Khristo and Христо all give ``hristo``; Petroff/Петров give ``petrov``.

``query_tokens`` keeps only the part of a partly typed word's skeleton that the letters
still to come cannot change ('Z' may start 'Zh', so it gives no token), so typing the
start of a name finds it.
"""

import os
import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "query_tokens", "skeleton", "sort_key", "tokens", "upper_bound"]

MAX_TOKEN = 40
MAX_QUERY_TOKENS = 8
MAX_SORT_KEY = 120


def _table(spec: str) -> dict[str, str]:
    """``"а=a б=b"`` -> ``{"а": "a", "б": "b"}``."""
    return dict(pair.split("=") for pair in spec.split())


_BG = "абвгдежзийклмнопрстуфхцчшщъьюя"
_CYRILLIC = _table(
    "а=a б=b в=v г=g д=d е=e ж=zh з=z и=i й=y к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u "
    "ф=f х=h ц=ts ч=ch ш=sh щ=sht ъ=a ь=y ю=yu я=ya "  # the Bulgarian law of 2009
    "ѝ=i ы=y э=e ё=yo є=ye і=i ї=yi ґ=g ђ=dj ј=j љ=lj њ=nj ћ=c џ=dz ў=u ѓ=g ќ=k ѕ=dz "
    "ѣ=ya ѫ=a"
)
# Letters that NFKD does not take apart.
_EXTRA = _table("ł=l ø=o æ=ae œ=oe þ=th ð=d ı=i đ=dj ħ=h ŋ=n ŧ=t")
# Skeleton only: keep the sound an accent carries (ž is ж, ć and ћ are ч, џ is дж).
_PHONETIC = _table("ž=zh š=sh č=ch ć=ch ћ=ch џ=dj χ=kh")
_GREEK = _table(
    "α=a β=v γ=g δ=d ε=e ζ=z η=i θ=th ι=i κ=k λ=l μ=m ν=n ξ=x ο=o π=p ρ=r σ=s ς=s τ=t "
    "υ=y φ=f χ=ch ψ=ps ω=o"
)
_GREEK_PAIRS = _table(
    "ου=ou αι=ai ει=ei οι=oi αυ=av ευ=ev ηυ=iv μπ=mb ντ=nt γγ=ng γκ=gk γξ=nx γχ=nch τσ=ts"
)
_GREEK_RE = re.compile("(?P<b>(?<![α-ω])μπ)|" + "|".join(_GREEK_PAIRS) + "|[α-ω]")

# One left-to-right pass over folded ASCII; at each position the first alternative that
# matches wins. Every output is the canonical spelling of one sound.
_LATIN_RULES: list[tuple[str, str]] = [
    ("sch", "sh"), ("ch(?=[rl])", "h"), ("ch", "ch"), ("ck", "k"), ("t[sz]", "c"),
    ("c(?=[aoulrtk]|$)", "k"), ("dj", "dj"), ("zh", "j"), ("kh", "h"), ("sh", "sh"),
    ("ph", "f"), ("th", "t"), ("gh", "g"), ("gu(?=[eiy])", "g"), ("ou", "u"),
    ("(?<=[aeiouy])j", "i"), ("j(?=[aouy])", "i"), ("y", "i"), ("x", "ks"), ("w", "v"),
    ("q", "k"),
]  # fmt: skip
_LATIN_RE = re.compile("|".join(f"({pattern})" for pattern, _ in _LATIN_RULES))
_LATIN_OUTPUTS = [output for _, output in _LATIN_RULES]
_ENDINGS = [  # Petroff, Petrof -> petrov; Dimiter, Alexander -> -ar as for -ър
    (re.compile(r"(?<=[a-z]{3}[oe])ff?$"), "v"),
    (re.compile(r"(?<=[a-z]{3})er$"), "ar"),
]
_DOUBLE = re.compile(r"([a-z])\1+")
_DIGITS = re.compile(r"[0-9]+")
_NOT_TOKEN = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_WORD = re.compile(r"(?:[^\W_\u02bc]|[\u0300-\u036f])+")  # ʼ (U+02BC) splits like '
_CONTINUE_LATIN = "abcdefghijklmnopqrstuvwxyz"
_CONTINUE_GREEK = "αβγδεζηθικλμνξοπρστυφχψω"


def _letters(text: str, phonetic: bool) -> str:
    """Casefolded ASCII for ``text``: scripts transliterated, accents dropped.

    ASCII punctuation and whitespace pass through; other characters are dropped.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        if char < "\x80":
            out.append(char)
        elif phonetic and char in _PHONETIC:
            out.append(_PHONETIC[char])
        elif char in _CYRILLIC:
            out.append(_CYRILLIC[char])
        elif char in _EXTRA:
            out.append(_EXTRA[char])
        elif char.isspace():
            out.append(" ")
        elif unicodedata.decimal(char, None) is not None:
            out.append(str(unicodedata.decimal(char)))
        else:
            for part in unicodedata.normalize("NFKD", char):
                if part < "\x80" or "α" <= part <= "ω":
                    out.append(part)
                elif part in _EXTRA:
                    out.append(_EXTRA[part])
    greek = _GREEK | ({"χ": "kh"} if phonetic else {})

    def transliterate(match: re.Match[str]) -> str:
        if match.group("b"):  # μπ starting a word is b
            return "b"
        return _GREEK_PAIRS.get(match.group()) or greek[match.group()]

    return _GREEK_RE.sub(transliterate, "".join(out))


def _phonetic(ascii_word: str) -> str:
    """Fold the spelling variants of one lowercase [a-z0-9] word (see ``_LATIN_RULES``).

    Digits pass through, and every rule sees any digit alike: so the letters are folded as
    in the word with each run of digits written "0", a form that repeats where the digits
    do not ("tsenov8271", "tsenov1990": "tsenov0"), whose fold is kept; then the digits go
    back in their places. The fold of an e-mail's unique words is then mostly found kept."""
    runs = _DIGITS.findall(ascii_word)
    if not runs:
        return _fold_letters(ascii_word)
    parts = _fold_letters(_DIGITS.sub("0", ascii_word)).split("0")
    if len(runs) == 1:  # most often: "tsenov8271"
        return parts[0] + runs[0] + parts[1]
    return "".join(part + run for part, run in zip(parts, runs, strict=False)) + parts[-1]


@lru_cache(maxsize=1 << 16)
def _fold_letters(ascii_word: str) -> str:
    """`_phonetic` of the word, by the rules themselves."""
    for pattern, replacement in _ENDINGS:
        ascii_word = pattern.sub(replacement, ascii_word)
    folded = _LATIN_RE.sub(lambda match: _LATIN_OUTPUTS[match.lastindex - 1], ascii_word)
    return _DOUBLE.sub(r"\1", folded)


def fold(text: str) -> str:
    """Plain ASCII-folded lowercase form: ``fold("Ștefan Живков") == "stefan zhivkov"``.

    Letters are transliterated and lose their accents, but spelling variants are kept;
    ASCII punctuation stays, other symbols are dropped and whitespace is collapsed.
    """
    return " ".join(_CONTROL.sub("", _letters(text, phonetic=False)).split())


def skeleton(word: str) -> str:
    """Phonetic ASCII key of one word, only [a-z0-9] (digits are kept as they are).

    >>> skeleton("Christo") == skeleton("Христо") == "hristo"
    True
    """
    return _phonetic(_NOT_TOKEN.sub("", _letters(word, phonetic=True)))


def _words(text: str) -> list[str]:
    """Runs of letters and digits; hyphens, apostrophes and all punctuation split words."""
    return _WORD.findall(unicodedata.normalize("NFKC", text))


def tokens(*texts: str) -> set[str]:
    """Index tokens of a record whose searchable texts (names, e-mail, codes) are ``texts``.

    Each word gives its skeleton, and the skeleton of its plain folded form where that
    differs ("Živkov" gives "jivkov" and "zivkov", so "Zivkov" typed without the háček
    finds it). A whitespace-free chunk made of several words ("Ivanova-Petrova", "O'Brien",
    an e-mail address) also gives the tokens of its words written together, so "obrien"
    finds O'Brien.
    """
    result: set[str] = set()
    for text in texts:
        for chunk in (text or "").split():
            words = _words(chunk)
            if len(words) > 1:
                words.append("".join(words))
            for word in words:
                result.update(_word_tokens(word))
    result.discard("")
    return result


@lru_cache(maxsize=1 << 17)
def _word_tokens(word: str) -> tuple[str, ...]:
    """The skeleton of one word (a run of letters and digits), and that of its plain folded
    form if it differs.

    A query is reduced to a skeleton prefix, so a word typed as it is written (or in its
    official transliteration: ``skeleton(fold(w)) == skeleton(w)`` for Bulgarian) finds the
    skeleton; only the letters whose sound the skeleton keeps (ž, š, č, χ: "Zivkov" typed
    for "Živkov") need the folded form's. An ASCII word is its own fold: one token, without
    Unicode normalisation per character. One token less per ASCII word than storing the
    fold as it is: a million people imported, 11.8M token rows → 8.7M (bench/README.md).

    Kept for the words seen last (names and mail domains repeat across a file of contacts)."""
    if word.isascii():
        if word.isdigit():  # numbers (phones, codes) are their own skeleton
            return (word[:MAX_TOKEN],)
        return (_phonetic(word.lower())[:MAX_TOKEN],)
    main = skeleton(word)[:MAX_TOKEN]
    plain = skeleton(fold(word))[:MAX_TOKEN]
    return (main,) if plain == main else (main, plain)


def _query_skeleton(word: str) -> str:
    """The part of ``skeleton(word)`` that stays when more letters are typed after it."""
    letters = _NOT_TOKEN.sub("", _letters(word, phonetic=True))
    if not letters or letters[-1].isdigit():
        return _phonetic(letters)
    keys = [_phonetic(letters)] + [_phonetic(letters + more) for more in _CONTINUE_LATIN]
    if "α" <= unicodedata.normalize("NFKD", word[-1].casefold())[:1] <= "ω":
        keys += [skeleton(word + more) for more in _CONTINUE_GREEK]
    return os.path.commonprefix(keys)


def query_tokens(query: str) -> list[str]:
    """Tokens of a search query, in order, without repeats, at most 8.

    Each is a prefix of the skeleton of the word typed and of any word that starts with
    it in the usual ways, so "Хрис" finds "Hristo" and "Petrof" finds "Petroff". A word
    too short to decide ("Z", which may become "Zh") gives no token.
    """
    result: list[str] = []
    for word in _words(query):
        token = _query_skeleton(word)[:MAX_TOKEN]
        if token and token not in result:
            result.append(token)
            if len(result) == MAX_QUERY_TOKENS:
                break
    return result


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def upper_bound(prefix: str) -> str:
    """Smallest token-alphabet string above every string that starts with ``prefix``.

    For range scans ``prefix <= token < upper_bound(prefix)`` over [a-z0-9] tokens:
    ``upper_bound("ab") == "ac"``, ``"a9" -> "aa"``, ``"az" -> "b"``. When ``prefix`` is
    empty or all 'z' there is no such string in the alphabet, and ``prefix + "{"`` is
    returned ('{' follows 'z' in code-point order, as in the C collation).
    """
    if _NOT_TOKEN.search(prefix):
        raise ValueError(f"not a search token: {prefix!r}")
    stem = prefix.rstrip("z")
    if not stem:
        return prefix + "{"
    return stem[:-1] + _ALPHABET[_ALPHABET.index(stem[-1]) + 1]


def _sort_ranks() -> dict[str, int]:
    ranks = {str(digit): 10 + digit for digit in range(10)}
    ranks |= {letter: 100 + 10 * i for i, letter in enumerate(_BG)}
    # Other Cyrillic letters: (letter, Bulgarian letter it follows, offset), so і и ї sort
    # as in Ukrainian and ы э as in Russian; ѝ is a form of и.
    near = "ѝи0 ёе1 єе2 ґг1 ђд1 ѓд2 ѕз1 іи1 їи2 јй1 љл1 њн1 ћт1 ќт2 ўу1 џч1 ыъ1 эь1 ѫъ2 ѣя1"
    ranks |= {item[0]: ranks[item[1]] + int(item[2]) for item in near.split()}
    ranks |= {letter: 500 + 10 * i for i, letter in enumerate("abcdefghijklmnopqrstuvwxyz")}
    ranks |= {letter: 800 + 10 * i for i, letter in enumerate(_CONTINUE_GREEK)}
    return ranks


_SORT_RANKS = _sort_ranks()
_SORT_OTHER = 36 * 36 - 1  # letters of other scripts, after everything else


def sort_key(text: str) -> str:
    """Key that sorts names in Bulgarian dictionary order under any database collation.

    Two base-36 characters per letter: word break, digits, the Bulgarian alphabet (other
    Cyrillic letters beside their nearest one), Latin (accents ignored), Greek, then any
    other letter. Case and punctuation are ignored; at most 120 characters.
    """
    # Each word's key is kept (names repeat); "00" is the word break between them.
    words = unicodedata.normalize("NFKC", text).casefold().split()
    return "00".join(key for key in map(_word_sort_key, words) if key)[:MAX_SORT_KEY]


@lru_cache(maxsize=1 << 16)
def _word_sort_key(word: str) -> str:
    """The sort key of one word (normalised, case-folded, without whitespace)."""
    ranks: list[int] = []
    for char in word:
        for base in [char] if char in _SORT_RANKS else unicodedata.normalize("NFKD", char):
            for letter in _EXTRA.get(base, base):
                if letter in _SORT_RANKS:
                    ranks.append(_SORT_RANKS[letter])
                elif unicodedata.decimal(letter, None) is not None:
                    ranks.append(10 + unicodedata.decimal(letter))
                elif letter.isalnum():
                    ranks.append(_SORT_OTHER)
    return "".join(_ALPHABET[rank // 36] + _ALPHABET[rank % 36] for rank in ranks)
