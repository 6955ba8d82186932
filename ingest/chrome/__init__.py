"""Page-chrome removal: drop widget, button, ad-slot and comment-form lines around an article.

The curated phrases and patterns live in ``patterns.yaml`` (its header explains the approach).
Chrome is judged line by line, never inside a sentence. Besides the data file, two kinds of
chrome need a little logic and are handled here:

* date widgets ("Thursday, April 18, 2024"): a short line made only of weekday/month names,
  numbers and times. Such a line is never a source of ``published_at``.
* weather widgets: a temperature line ("8.3 C") and the short place line next to it ("New York").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ingest.errors import ChromeDataError
from ingest.normalize import collapse_whitespace

__all__ = ["ChromeFilter", "default_filter", "fold", "is_date_line"]

_FOLD_STRIP = " \t-–—―|•·*#>:~_=+»«\"'"
# Curly quotes and accents used as quotes, straightened. Chained ``replace`` calls, each only when
# the character occurs: ``str.translate`` with a non-ASCII table looks every character up in a
# dict, which was most of the cost of folding a long line.
_QUOTES = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("´", "'"), ("`", "'"))

# Weekday and month names (full and abbreviated) in the languages we ingest, plus the small
# words date widgets put between them. Written out because dateparser would also accept
# "8.3" or "now" as dates, and we want "only date words" here, not "parseable".
_DATE_WORDS_TEXT = """
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
january february march april may june july august september october november december jan feb mar
apr jun jul aug sep sept oct nov dec of the at am pm utc gmt cet cest est edt pst pdt bst lunes
martes miércoles jueves viernes sábado domingo enero febrero marzo abril mayo junio julio agosto
septiembre setiembre octubre noviembre diciembre ene abr ago dic de del lundi mardi mercredi jeudi
vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre novembre
décembre janv févr avr juil déc le montag dienstag mittwoch donnerstag freitag samstag sonntag
januar februar märz april mai juni juli august september oktober november dezember jän mär okt dez
den am um uhr понедельник вторник среда четверг пятница суббота воскресенье января февраля марта
апреля мая июня июля августа сентября октября ноября декабря январь февраль март апрель май июнь
июль август сентябрь октябрь ноябрь декабрь г года понеділок вівторок середа четвер пʼятниця
п'ятниця субота неділя січня лютого березня квітня травня червня липня серпня вересня жовтня
листопада грудня січень лютий березень квітень травень червень липень серпень вересень жовтень
листопад грудень р року lunedì martedì mercoledì giovedì venerdì sabato domenica gennaio febbraio
aprile maggio giugno luglio settembre ottobre dicembre segunda terça quarta quinta sexta janeiro
fevereiro março
"""
_DATE_WORDS = frozenset(_DATE_WORDS_TEXT.split())
_DATE_TOKEN = re.compile(r"\d{1,4}(?:st|nd|rd|th|er|\.)?|\d{1,2}[:h.]\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_TEMPERATURE = re.compile(r"[-+−]?\d{1,3}(?:[.,]\d)?\s*°?\s*[cf]")
_PROSE_MIN_CHARS = 80
_PROSE_MIN_WORDS = 12


def fold(line: str) -> str:
    """Fold a line for comparison: NFKC, casefold, straight quotes, one space, no edge punctuation."""
    if line.isascii():
        # ASCII is its own NFKC form, holds no curly quote but "`", and casefolds as it lowercases.
        text = line.replace("`", "'").lower() if "`" in line else line.lower()
    else:
        text = unicodedata.normalize("NFKC", line)
        for quote, straight in _QUOTES:
            if quote in text:
                text = text.replace(quote, straight)
        text = text.casefold()
    return collapse_whitespace(text).strip(_FOLD_STRIP).strip()


def is_date_line(line: str) -> bool:
    """True for a short line made only of a date (and time): a date widget, not prose."""
    return _is_date_folded(fold(line))


def _is_date_folded(folded: str) -> bool:
    if not folded or len(folded) > 48 or not any(ch.isdigit() for ch in folded):
        return False
    tokens = re.findall(r"[^\s,;|/()]+", folded.replace("—", " ").replace("–", " "))
    has_word = False
    for token in tokens:
        clean = token.strip(".:-")
        if not clean:
            continue
        if clean in _DATE_WORDS:
            has_word = True
        elif not _DATE_TOKEN.fullmatch(clean):
            return False
    return has_word or bool(re.fullmatch(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:\s+\d{1,2}[:h.]\d{2})?", folded))


def _has_prose_words(line: str) -> bool:
    # At least 12 words; splitting off only the first 12 is enough to tell.
    return len(line.split(None, 11)) >= _PROSE_MIN_WORDS


def _is_short_place(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 3 and len(line) <= 30 and not line.rstrip().endswith((".", "!", "?", ":"))


@dataclass(frozen=True)
class ChromeFilter:
    """Curated chrome lines, tail-section markers and patterns; call :meth:`clean` on lines."""

    lines: frozenset[str]
    cut: frozenset[str]
    patterns: tuple[re.Pattern[str], ...] = field(default=())
    #: The patterns as one alternation: one ``fullmatch`` per line instead of one per pattern (a
    #: line fully matches the alternation exactly when it fully matches one of them).
    _any_pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_any_pattern", _alternation(self.patterns))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> ChromeFilter:
        """Build from the parsed data file (``lines``/``cut`` by language, ``patterns`` list)."""
        try:
            lines = frozenset(fold(p) for phrases in (data.get("lines") or {}).values() for p in phrases)
            cut = frozenset(fold(p) for phrases in (data.get("cut") or {}).values() for p in phrases)
            patterns = tuple(re.compile(p) for p in data.get("patterns") or ())
        except (AttributeError, TypeError, re.error) as exc:
            raise ChromeDataError(f"invalid chrome data: {exc}") from exc
        return cls(lines=lines, cut=cut, patterns=patterns)

    def is_chrome(self, line: str) -> bool:
        """True when the whole line is chrome (phrase, pattern or date widget)."""
        return self._is_chrome_folded(line, fold(line))

    def _is_chrome_folded(self, line: str, folded: str) -> bool:
        if not folded:
            return bool(line.strip())  # a line of only dashes or bullets is chrome; a blank line is not
        if folded in self.lines or folded in self.cut:
            return True
        if self._any_pattern is not None:
            if self._any_pattern.fullmatch(folded):
                return True
        elif any(p.fullmatch(folded) for p in self.patterns):
            return True
        return _is_date_folded(folded)

    def is_cut(self, line: str) -> bool:
        """True when the line is a header that starts the page's tail (related, comments)."""
        return fold(line) in self.cut

    def clean(self, lines: list[str]) -> list[str]:
        """Drop chrome lines and, after the body has started, a tail section and all after it.

        Blank lines are kept (they separate paragraphs). A tail marker cuts only if at least as
        much prose comes before it as after it, so a stray "Comments" mid-article cannot drop it.
        """
        # Word counts once per line: a line and its stripped form have the same words.
        wordy = [len(line) >= _PROSE_MIN_CHARS and _has_prose_words(line) for line in lines]
        prose_total = sum(len(line) for line, many in zip(lines, wordy, strict=True) if many)
        kept: list[str] = []
        prose_before = 0
        after_temperature = False
        for line, many in zip(lines, wordy, strict=True):
            stripped = line.strip()
            if not stripped:
                kept.append("")
                continue
            folded = fold(stripped)  # once per line: folding is most of the filter's cost
            if folded in self.cut and prose_before > 0 and prose_before * 2 >= prose_total:
                break
            if after_temperature and _is_short_place(stripped):
                after_temperature = False
                continue
            after_temperature = bool(_TEMPERATURE.fullmatch(folded))
            if self._is_chrome_folded(stripped, folded):
                continue
            if many and len(stripped) >= _PROSE_MIN_CHARS:  # _is_prose(stripped)
                prose_before += len(stripped)
            kept.append(line)
        return kept


def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """The patterns as one regex that fully matches exactly what one of them fully matches.

    None when that cannot be promised: no patterns, different flags, backreferences (their group
    numbers would shift) or anything else the joined regex does not compile for.
    """
    if not patterns or any(_BACKREF.search(p.pattern) for p in patterns):
        return None
    flags = {p.flags for p in patterns}
    if len(flags) != 1:
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), flags.pop())
    except re.error:  # e.g. two patterns naming the same group, or a global flag inside
        return None


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


@lru_cache(maxsize=1)
def default_filter() -> ChromeFilter:
    """The filter built from the packaged ``patterns.yaml`` (loaded once)."""
    text = resources.files("ingest.chrome").joinpath("patterns.yaml").read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChromeDataError(f"cannot read chrome patterns: {exc}") from exc
    if not isinstance(data, dict):
        raise ChromeDataError("chrome patterns file must be a mapping")
    return ChromeFilter.from_mapping(data)
