"""The ingest fast paths answer exactly as the plain code they stand in for (issue 19)."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chrome import fold
from ingest.dedup import _decode, _encode
from ingest.normalize import (
    FAST_MIN_CHARS,
    SAMPLE_CHARS,
    _detector,
    collapse_whitespace,
    detect_language,
    fast_language,
    join_paragraphs,
    normalize_for_hash,
)
from ingest.parsers.dispatch import _head, detect_format
from schemas import PubStatus

# Every character str.split() splits on, the zero-width space (no whitespace to Python), and a few
# that NFKC turns into a space plus something ("¨") or that casefold changes.
_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
TEXT = st.text(
    alphabet=st.sampled_from([*_SPACES, "\u200b", "a", "É", "ß", "\u00a8", "’", "`", "-", "|", "."])
)
ANY_TEXT = st.text() | TEXT
EXAMPLES = settings(max_examples=300, deadline=None)


def _old_join(paragraphs: list[str]) -> str:
    ws = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
    out = []
    for para in paragraphs:
        for piece in re.split(r"\n\s*\n+", para):
            clean = " ".join(ws.sub(" ", unicodedata.normalize("NFC", piece)).split())
            if clean:
                out.append(clean)
    return "\n\n".join(out)


def _old_fold(line: str) -> str:
    quotes = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "´": "'", "`": "'"})
    text = unicodedata.normalize("NFKC", line).translate(quotes).casefold()
    return " ".join(text.split()).strip(" \t-–—―|•·*#>:~_=+»«\"'").strip()


class TestTextHelpers:
    @EXAMPLES
    @given(ANY_TEXT)
    def test_collapse_whitespace_is_split_and_join(self, text: str) -> None:
        assert collapse_whitespace(text) == " ".join(text.split())

    @EXAMPLES
    @given(ANY_TEXT)
    def test_normalize_for_hash(self, text: str) -> None:
        assert normalize_for_hash(text) == " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    @EXAMPLES
    @given(st.lists(ANY_TEXT, max_size=5))
    def test_join_paragraphs(self, paragraphs: list[str]) -> None:
        assert join_paragraphs(paragraphs) == _old_join(paragraphs)

    @EXAMPLES
    @given(ANY_TEXT)
    def test_fold(self, line: str) -> None:
        assert fold(line) == _old_fold(line)


LONG = {
    "en": "The government announced new measures on Tuesday to support farmers hit by the drought, "
    "and ministers said more help would follow if the rains failed again this autumn. ",
    "de": "Die Regierung kündigte am Dienstag neue Maßnahmen zur Unterstützung der Landwirte an, "
    "die von der Dürre betroffen sind, und weitere Hilfen sollen folgen. ",
    "ru": "Правительство во вторник объявило о новых мерах поддержки фермеров, пострадавших от "
    "засухи, и министры пообещали дальнейшую помощь, если дожди не придут. ",
}


class TestLanguageFastPath:
    @pytest.mark.parametrize(("code", "text"), LONG.items())
    def test_clear_text_is_decided_by_cld2_as_lingua_would(self, code: str, text: str) -> None:
        sample = (text * 5)[:SAMPLE_CHARS]
        lingua = _detector().detect_language_of(sample)
        assert lingua is not None
        assert fast_language(sample) == code == lingua.iso_code_639_1.name.lower()
        assert detect_language(sample) == code

    def test_short_text_goes_to_lingua(self) -> None:
        assert fast_language(LONG["en"][: FAST_MIN_CHARS - 1]) is None
        assert detect_language(LONG["en"][: FAST_MIN_CHARS - 1]) == "en"

    def test_mixed_text_goes_to_lingua(self) -> None:
        mixed = (LONG["en"] + LONG["de"]) * 2
        assert fast_language(mixed[:SAMPLE_CHARS]) is None

    def test_a_language_outside_the_set_goes_to_lingua(self) -> None:
        finnish = (
            "Hallitus ilmoitti tiistaina uusista toimista kuivuudesta kärsineiden viljelijöiden tukemiseksi. "
        )
        assert fast_language(finnish * 6) is None

    @pytest.mark.parametrize("bad", ["\x85", "\x00"])
    def test_text_cld2_refuses_goes_to_lingua(self, bad: str) -> None:
        text = (LONG["en"] + bad) * 4
        assert fast_language(text) is None
        assert detect_language(text) == "en"

    def test_a_lone_surrogate_is_refused_quietly(self) -> None:
        # A JSON "\ud800" escape can bring one; lingua then fails as before (the input is dead-lettered).
        assert fast_language((LONG["en"] + "\ud800") * 4) is None


class TestDedupKeys:
    @EXAMPLES
    @given(st.text(), st.integers(min_value=1, max_value=2**40), st.sampled_from(list(PubStatus)))
    def test_keys_are_json_dumps(self, ident: str, version: int, status: PubStatus) -> None:
        assert _encode(("id", ident)) == json.dumps(["i", ident])
        assert _encode((ident, version, status)) == json.dumps(["v", ident, version, status])
        assert _encode((ident, status)) == json.dumps(["h", ident, status])
        assert _decode(_encode((ident, version, status))) == ("v", (ident, version, status))

    def test_a_bool_version_is_encoded_as_json_would(self) -> None:
        assert _encode(("x", True, "usable")) == json.dumps(["v", "x", True, "usable"])


class TestSniffHead:
    @pytest.mark.parametrize("shift", range(4))
    def test_the_head_is_never_cut_inside_a_utf8_sequence(self, shift: int) -> None:
        data = ("x" * shift + "Ж€𝄞" * 2000).encode()
        head = _head(data)
        assert len(head) > 4090
        head.decode("utf-8")  # raises if cut inside a character

    def test_json_and_ninjs_are_still_told_apart(self) -> None:
        ninjs = json.dumps({"uri": "urn:x", "headline": "Ж" * 3000, "versioncreated": "2024-01-01T00:00:00Z"})
        plain = json.dumps({"title": "t", "body": "Ж" * 3000})
        assert detect_format(ninjs.encode(), "stdin", "application/json") == "ninjs"
        assert detect_format(plain.encode(), "stdin", "application/json") == "json"
        assert detect_format(ninjs.encode(), "stdin") == "ninjs"
