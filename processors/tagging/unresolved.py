"""Step 5 of tagging: place-like names that nothing resolved.

Capitalised names after "in"/"near"/"под"... (the cue words, found by the scan's automaton)
that no place, actor or region phrase covers, and the namesakes that resolution set aside
("Glasgow, Mont.", "a man from Edmonton").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Final

from processors.tagging.build import make_mention
from processors.tagging.scan import FIELD_ORDER, Cue, Match
from processors.tagging.words import CUE_LENGTHS, NOT_PLACES, PERSON_TITLES
from processors.text import NormalizedText
from schemas.models import Mention, TextField

_NAME_AFTER: Final = re.compile(r"[ \t]+([^\W\d_][\w'’.-]*(?:[ ][^\W\d_][\w'’.-]*)*)")


def unresolved(
    norms: dict[TextField, NormalizedText],
    cues: dict[TextField, list[Cue]],
    matches: list[Match],
    namesakes: list[Match],
) -> tuple[Mention, ...]:
    """Capitalised names after "in"/"near"/"под"... that no match covers, and the namesakes."""
    out: list[Mention] = [make_mention(m.field, m.start, m.end, m.surface) for m in namesakes]
    for fld, norm in norms.items():
        _unresolved_in(fld, norm, cues[fld], matches, out)
    return tuple(sorted(set(out), key=lambda x: (FIELD_ORDER[x.field], x.start)))


def _unresolved_in(
    fld: TextField, norm: NormalizedText, cues: list[Cue], matches: list[Match], out: list[Mention]
) -> None:
    """The names after the cue words of one field that no match covers, added to ``out``."""
    orig = norm.original
    n_orig = len(orig)
    # What the places, actors and regions cover, once a name needs it: their starts
    # (the matches are in text order) and the furthest end reached up to each.
    cov_starts: list[int] | None = None
    cov_reach: list[int] = []
    for cue, cue_start in cues:
        # The cue's leading space in scan is at the cue's start in the text.
        _, cue_end = norm.span(cue_start, cue_start + CUE_LENGTHS[cue])
        # A name starts with a capital after spaces: most cues ("in the") stop here.
        j = cue_end
        while j < n_orig and orig[j] in " \t":
            j += 1
        if j in {cue_end, n_orig} or not orig[j].isupper():
            continue
        if cov_starts is None:
            cov_starts, cov_reach = _coverage(matches, fld)
        # A name would start at j: most are places we matched ("in Geneva"), covered there.
        k = bisect_right(cov_starts, j)
        if k and cov_reach[k - 1] > j:
            continue
        text, start = _name_after(orig, cue_end)
        if not text:
            continue
        end = start + len(text)
        # Covered when a match that starts before the name's end reaches past its start.
        i = bisect_left(cov_starts, end)
        if i == 0 or cov_reach[i - 1] <= start:
            out.append(make_mention(fld, start, end, text))


def _coverage(matches: list[Match], fld: TextField) -> tuple[list[int], list[int]]:
    """The starts of the field's places, actors and regions, and the furthest end up to each.

    The matches are in text order.
    """
    starts: list[int] = []
    reaches: list[int] = []
    reach = -1
    for m in matches:
        if m.layer < 3 and m.field == fld:
            starts.append(m.start)
            reach = max(reach, m.end)
            reaches.append(reach)
    return starts, reaches


def _name_after(orig: str, cue_end: int) -> tuple[str, int]:
    """The capitalised name after a cue word and where it starts ("" when there is none)."""
    found = _NAME_AFTER.match(orig, cue_end)
    if found is None:
        return "", 0
    name: list[str] = []
    for w in found.group(1).split(" "):
        if not w[:1].isupper():
            break
        name.append(w)
    first = name[0].rstrip(".").casefold() if name else ""
    if not name or first in NOT_PLACES or first in PERSON_TITLES:
        return "", 0
    return " ".join(name).rstrip(".,;:'’"), found.start(1)
