"""Checking a query as it is typed (pure): the compiler's error at its column, then hints.

An invalid query gets the compiler's own :class:`alerts.errors.QueryError` (reason, column,
caret line). A valid one may still name values nothing carries: a ``country:`` that is no ISO
3166 code nor a country name, or an ``actor:``/``place:``/``region:``/``topic:`` that no recent
story was tagged with. Those are hints, not errors (the knowledge base knows more names than
recent stories show), each with its column and the closest known values as suggestions.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import pycountry
from luqum.exceptions import ParseError
from luqum.parser import parser
from luqum.tree import Phrase, SearchField, Word

from alerts.errors import QueryError
from alerts.query import compile_query
from alerts.query.fields import TAG_FIELDS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from luqum.tree import Item

    from schemas.models import EnrichedStory

Vocabulary = dict[str, dict[str, str]]


def vocabulary(stories: Iterable[EnrichedStory]) -> Vocabulary:
    """Field → casefolded form → shown name, for the tag fields, from ``stories``' tags."""
    vocab: Vocabulary = {name: {} for name in TAG_FIELDS}
    for story in stories:
        for name, attr in TAG_FIELDS.items():
            forms = vocab[name]
            for tag in getattr(story, attr):
                for form in (tag.id, tag.name, *tag.aliases):
                    forms.setdefault(form.casefold(), tag.name)
    return vocab


def _countries() -> dict[str, str]:
    forms: dict[str, str] = {}
    for country in pycountry.countries:
        forms[country.alpha_2.casefold()] = country.alpha_2
        forms[country.name.casefold()] = country.alpha_2
    return forms


_COUNTRY_FORMS = _countries()


def check_query(query: str, vocab: Mapping[str, Mapping[str, str]], *, stories: int) -> dict[str, Any]:
    """``{"ok": False, "error": {...}}`` for an invalid query, else ``{"ok": True, "hints": [...]}``."""
    try:
        compiled = compile_query(query)
    except QueryError as exc:
        error = {
            "message": exc.reason,
            "position": exc.position,
            "column": exc.column,
            "pointer": exc.pointer,
        }
        return {"ok": False, "error": error, "hints": []}
    try:
        tree = parser.parse(query)
    except ParseError:  # compiled above, so luqum parses it too; no hints if not
        return {"ok": True, "clauses": compiled.clauses, "hints": []}
    hints = [h for f in _fields(tree) if (h := _hint(f, vocab, stories)) is not None]
    return {"ok": True, "clauses": compiled.clauses, "hints": hints}


def _fields(node: Item) -> list[SearchField]:
    found: list[SearchField] = []
    if isinstance(node, SearchField):
        found.append(node)
    for child in node.children:
        found.extend(_fields(child))
    return found


def _hint(node: SearchField, vocab: Mapping[str, Mapping[str, str]], stories: int) -> dict[str, Any] | None:
    expr = node.expr
    if not isinstance(expr, Word | Phrase):
        return None
    value = expr.value.strip('"')
    if "*" in value or "?" in value:
        return None
    folded = value.casefold()
    position = int(getattr(node, "pos", 0) or 0)
    if node.name == "country":
        if folded in _COUNTRY_FORMS:
            return None
        message = f"{value!r} is neither an ISO 3166 country code nor a country name"
        suggestions = _closest(folded, _COUNTRY_FORMS, upper=True)
    elif node.name in TAG_FIELDS:
        forms = vocab.get(node.name, {})
        if folded in forms or not forms:
            return None
        message = f"no {node.name} {value!r} among the tags of the {stories} most recent stories"
        suggestions = _closest(folded, forms)
    else:
        return None
    return {
        "field": node.name,
        "value": value,
        "position": position,
        "column": position + 1,
        "message": message,
        "suggestions": suggestions,
    }


def _closest(folded: str, forms: Mapping[str, str], *, upper: bool = False) -> list[str]:
    close = difflib.get_close_matches(folded, list(forms), n=8, cutoff=0.6)
    out: list[str] = []
    for form in close:
        shown = forms[form]
        if upper and len(form) == 2:
            shown = form.upper()
        if shown not in out:
            out.append(shown)
    return out[:5]
