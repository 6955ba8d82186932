"""More of the tagger's fast paths, each against the general code it stands for (issue 19)."""

from __future__ import annotations

import random

from processors.kb import Entity, Kind
from processors.tagging.build import Collector, RegionMembers, mentions_of, regions_by_members
from processors.tagging.words import (
    _TOKEN,
    ABBREVIATIONS,
    CUE_WORDS,
    HEAD_BEFORE,
    LOWER_HEADS,
    NAME_TITLES,
    ORG_ENDINGS,
    ROLE_ENDINGS,
    Token,
    is_title,
    tokens_of,
    with_head,
)
from processors.text import normalize, normalize_scan, scan_form
from schemas.models import Tag, TextField

# Characters that fold, expand, vanish or get replaced, and plain ones around them.
_POOL = "aZ09 _-.,?'\x00\nßİıﬁＮＡＴＯ½ǅΣσςёЁ’‘–—\u00a0\u0301\u200dÀéüçłøæœРоссияУкраинаКиївλόγος東京"

_SAME_LENGTH = "aZ09 _-.,?'\nΣσςёЁ’‘–—\u00a0ÀéüçłøæœРоссияКиївλόγος東京"


def test_normalize_scan_is_normalize_then_scan_form() -> None:
    rnd = random.Random(19)
    texts = ["", "NATO", "Straße nach Kursk", "İstanbul", "ＮＡＴＯ summit", "Королёв и Белгород", "a?b\x00c"]
    texts += ["".join(rnd.choice(_POOL) for _ in range(rnd.randrange(40))) for _ in range(20000)]
    # And characters that keep their length: the path that finds the runs once for both.
    texts += ["".join(rnd.choice(_SAME_LENGTH) for _ in range(rnd.randrange(60))) for _ in range(20000)]
    for text in texts:
        norm, scan = normalize_scan(text)
        ref = normalize(text)
        assert (norm.original, norm.text, norm.offsets) == (ref.original, ref.text, ref.offsets), text
        assert scan == scan_form(ref.text), text


def _role_reference(f: str) -> bool:
    if f in NAME_TITLES:
        return True
    if f.endswith("mann"):
        return len(f) >= 11  # words._ROLE_MANN_MIN
    return f.endswith(ROLE_ENDINGS)


def test_token_word_info_is_computed_per_word() -> None:
    words = ["Ministry", "NATO", "Ocasio-Cortez", "Nine-year-old", "President", "Landeshauptmann"]
    words += ["Hoffmann", "Bundeskriminalamt", "Innenminister", "Frau", "Müller", "ÉTAT", "Straße"]
    for _ in range(2):  # the second time from the memo
        for word in words:
            tok = Token(3, 3 + len(word), word)
            f = word.casefold()
            assert tok.fold == f
            assert tok.upper == (word.upper() == word)
            assert tok.name_shaped == ("-" not in word or all(p[:1].isupper() for p in word.split("-") if p))
            assert tok.cue == (f in CUE_WORDS or (len(f) > 6 and f.endswith(ORG_ENDINGS)))
            assert is_title(tok) == _role_reference(f)
            assert (tok.start, tok.end, tok.text) == (3, 3 + len(word), word)


def _region(rid: str, members: tuple[str, ...], min_members: int) -> Entity:
    return Entity(id=rid, name=rid, kind=Kind.REGION, type="region", members=members, min_members=min_members)


def _place(pid: str, country: str | None, kind: str) -> Tag:
    return Tag(id=pid, name=pid, type=kind, country=country, confidence=0.9)


def test_regions_by_members_walks_only_the_regions_named() -> None:
    rnd = random.Random(7)
    ids = ["UA", "RU", "PL", "BY", "123", "456", "789", "1011", "US-TX", "FR-IDF"]
    regions = [
        _region(
            f"region:r{i}", tuple(rnd.choice(ids) for _ in range(rnd.randrange(1, 7))), rnd.randrange(0, 4)
        )
        for i in range(40)
    ]
    entities = {e.id: e for e in regions}
    index = RegionMembers(regions)
    for _ in range(500):
        tags = tuple(
            _place(rnd.choice(ids), rnd.choice(["UA", "RU", "PL", None]), rnd.choice(["city", "country"]))
            for _ in range(rnd.randrange(5))
        )
        got = Collector()
        regions_by_members(index, entities, tags, got)
        want = Collector()
        named = {t.id for t in tags}
        present = named | {t.country for t in tags if t.country and t.type != "country"}
        for ent in regions:  # the walk over every region and its members, as before
            hit = [mid for mid in ent.members if mid in named or (len(mid) == 2 and mid in present)]
            if len(hit) >= ent.min_members:
                names = [entities[h].name for h in hit if h in entities]
                want.add(ent.id, None, min(0.9, 0.5 + 0.1 * len(hit)), "members: " + ", ".join(names))
        assert (got.spans, got.evidence, got.score) == (want.spans, want.evidence, want.score)


def test_mentions_come_in_story_order() -> None:
    rnd = random.Random(3)
    texts: dict[TextField, str] = {"title": "x" * 50, "body": "y" * 50}
    for _ in range(300):
        spans = {
            (rnd.choice([0, 2]), rnd.randrange(40), rnd.randrange(40, 50)): None
            for _ in range(rnd.randrange(6))
        }
        got = [(m.field, m.start, m.end) for m in mentions_of(spans, texts)]
        want = [
            ("title" if r == 0 else "body", s, e) for r, s, e in sorted(spans, key=lambda x: (x[0], x[1]))
        ]
        assert got == want


def _tokens_reference(text: str) -> list[tuple[int, int, str] | None]:
    """What ``tokens_of`` gave with a match object per word."""
    out: list[tuple[int, int, str] | None] = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        word = m.group()
        stop = False
        if word[-1] == "." and not (len(word) == 2 or word.casefold() in ABBREVIATIONS):
            word, end, stop = word[:-1], end - 1, True
        if word[-2:] in {"'s", "’s"}:
            word, end, stop = word[:-2], end - 2, True
        elif word[-1:] in {"'", "’"} and not word.endswith(("s'", "s’")):
            word, end = word[:-1], end - 1
        if word:
            out.append((start, end, word))
            if stop:
                out.append(None)
    return out


def test_tokens_start_where_the_regex_found_them() -> None:
    rnd = random.Random(11)
    pool = [
        "NATO",
        "Paris",
        "iPhone",
        "Phone",
        "U.S.",
        "O'Brien",
        "l'Union",
        "x",
        "-",
        ".",
        "_",
        " ",
        "'s",
        "’",
    ]
    pool += ["A", "AA", "Mr.", "St.", "Ä", "Ünal", "Россия", "в", "НАТО", "\n", "e.V.", "Jr.", "9"]
    texts = ["", "iPhone Phone", "NATO NATO", "A.A. A", "x-Paris Paris", "Smith's Smith"]
    texts += ["".join(rnd.choice(pool) for _ in range(rnd.randrange(30))) for _ in range(20000)]
    for text in texts:
        got = [None if t is None else (t.start, t.end, t.text) for t in tokens_of(text)]
        assert got == _tokens_reference(text), text


def _head_reference(text: str, run: list[Token]) -> list[Token]:
    """``with_head`` as it walked back over every letter of the words before the name."""
    start = run[0].start
    if start < 2 or text[start - 1] not in " '’":
        return run
    lo = max(0, start - 32)
    end = start - 1
    for _ in range(3):
        i = end
        while i > lo and text[i - 1].isalpha():
            i -= 1
        word = text[i:end]
        if word in LOWER_HEADS:
            break
        if word not in {"de", "la", "l", "d", "du", "des", "del", "di", "da", "do", "della", "dell"} or i < 2:
            return run
        end = i - 1
    else:
        return run
    m = HEAD_BEFORE.search(text, lo, start)
    if m is None or m.group(1) not in LOWER_HEADS:
        return run
    return [Token(m.start(1), m.end(1), m.group(1)), *run]


def test_lower_case_head_found_as_by_the_walk() -> None:
    rnd = random.Random(5)
    pool = [
        "lycée",
        "université",
        "de",
        "la",
        "l'",
        "d'",
        "du",
        "x9",
        " ",
        "  ",
        "-",
        "é",
        "Nantes",
        "Paul",
        "école",
    ]
    for _ in range(20000):
        text = "".join(rnd.choice(pool) + rnd.choice(["", " "]) for _ in range(rnd.randrange(12)))
        start = len(text)
        text += "Paul Bert"
        run = [Token(start, start + 4, "Paul"), Token(start + 5, start + 9, "Bert")]
        got = [(t.start, t.end, t.text) for t in with_head(text, run)]
        want = [(t.start, t.end, t.text) for t in _head_reference(text, run)]
        assert got == want, text
