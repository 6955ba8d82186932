"""The tagger's fast paths give what the general code gives (issue 19: tagging CPU)."""

from __future__ import annotations

import random
import unicodedata

from processors.tagging.names import stem
from processors.tagging.words import _SLUG_DROP, _SLUG_SUBST, ENDINGS, fold_diacritics, slug


def _slug_reference(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_SLUG_SUBST))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _SLUG_DROP.sub("-", plain.replace("'", "").replace("’", "")).strip("-_")


def _fold_reference(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_SLUG_SUBST))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem_reference(word: str) -> str:
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def test_ascii_fast_path_of_slug_and_fold_diacritics() -> None:
    rnd = random.Random(19)
    texts = ["Ana Sofia Cardenal", "O'Neill", "Riverside Water-Authority", "", "--x__", "ß"]
    texts += ["".join(chr(rnd.randrange(128)) for _ in range(rnd.randrange(12))) for _ in range(5000)]
    texts += ["Wałęsa", "Łódź", "Ærø", "Straße", "Müller-Lüdenscheidt", "İstanbul", "Ruiz’s"]
    for text in texts:
        assert slug(text) == _slug_reference(text), text
        assert fold_diacritics(text) == _fold_reference(text), text


def test_stem_tries_the_endings_in_order() -> None:
    rnd = random.Random(12)
    letters = "abcdegimosuwyąęаеийовуыюмгі"
    words = ["", "a", "kowalskiego", "nowakowi", "петровому", "шевченку", "ivanovа", "johnsons"]
    words += ["".join(rnd.choice(letters) for _ in range(rnd.randrange(9))) for _ in range(20000)]
    for word in words:
        assert stem(word) == _stem_reference(word), word
