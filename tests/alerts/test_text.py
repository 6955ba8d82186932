"""Story and query tokenization: the ASCII fast path gives exactly the regex's tokens."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from alerts.text import fold, tokens

_WORD = re.compile(r"\w+")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_ascii_tokens_are_the_word_runs_lowercased(text: str) -> None:
    assert tokens(text) == _WORD.findall(text.lower())


@given(st.text(max_size=80))
def test_any_text_tokens_are_folded_word_runs(text: str) -> None:
    # One token per word run: the run NFKC-normalized and casefolded (fold), never empty.
    found = tokens(text)
    assert found == [fold(run) for run in _WORD.findall(text)]
    assert "" not in found
