"""Subscription queries: Lucene syntax compiled into a predicate over a tagged story.

A query is parsed with luqum and compiled into a small tree of nodes. A compiled query
checks a story (:meth:`CompiledQuery.match`) and says why it matched (the
:class:`~schemas.models.MatchedClause` list), and it tells the subscription index which
terms any matching story must contain (:attr:`CompiledQuery.required_terms`).

Fields (a bare term searches ``text``):

=========  ==========================================================================
actor      an actor tag's id, name or alias (likewise ``place``, ``region``, ``topic``)
country    an ISO code in ``story.countries``, or a country place tag's id/name/alias
source     ``story.source``;  ``lang``: ``story.language``
title      words or phrases of the title;  ``text``: of title + standfirst + body
near       a place tag within a radius (km) of a place or a point: ``near:Kharkiv~100``
           (or ``~100km``), ``near:"Nizhny Novgorod"~50``, ``near:"Springfield, US-IL"~30``,
           ``near:"-33.87,151.21"~10`` (see :mod:`alerts.query.geo`)
bbox       a place tag inside a box ``[south,west TO north,east]``:
           ``bbox:[44.0,22.0 TO 52.5,40.2]`` (``west > east`` crosses the 180th meridian)
=========  ==========================================================================

Semantics:

* Tag, country, source and lang values compare after :func:`alerts.text.norm_value`
  (NFKC, casefold, dashes/spaces/underscores unified): ``region:"Russia–Ukraine border"``
  equals ``region:russia-ukraine_border``.
* ``title``/``text`` values are tokenized like the story (:func:`alerts.text.tokens`); a
  value of several tokens (a phrase, or ``Russia-Ukraine``) must appear as consecutive
  tokens within one of title, standfirst or body.
* Wildcards ``*`` and ``?`` work on every field; on text they apply per token.
* ``AND``, ``OR``, ``NOT``, ``+``, ``-``, parentheses and field groups ``actor:(NATO OR EU)``.
  Terms side by side without an operator are ANDed (luqum binds that implicit operator
  loosest: ``a b OR c`` is ``a AND (b OR c)``). ``^`` boosts are accepted and ignored.
* Geo clauses: a name resolves to one point when the query is compiled (an unknown name is an
  error with close names); they hold on place tags with a point, countries left out, and
  their explanation gives each place's ``distance_km``. Inside a named region is
  ``region:`` (members, and border belts from boundary data).
* ``min_confidence``: tags below it do not count. A country code in ``story.countries``
  counts at ``min_confidence`` 0; above it, only when a place tag of that country reaches it.
* Rejected with :class:`~alerts.errors.QueryError`: syntax errors, unknown or nested fields,
  ranges, regexes, fuzzy and proximity searches (except the geo clauses' ``~`` and ``[ TO ]``),
  empty values, wildcards without a letter,
  queries longer than 4 KiB or with more than 200 clauses, and queries that could match a
  story containing none of their terms (``NOT x``, ``a OR NOT b``), which no index can find.

Where things are:

=================================  ========================================================
:mod:`alerts.query.parse`          luqum → our node tree; syntax and validation errors
:mod:`alerts.query.compile`        :func:`compile_query`, :class:`CompiledQuery`, :class:`Match`
:mod:`alerts.query.evaluate`       the nodes: test a story, explain a match, presearch keys
:mod:`alerts.query.story`          :class:`PreparedStory`: a story's searchable form
:mod:`alerts.query.fields`         fields and index keys (``field:value``, ``field*:pre``)
:mod:`alerts.query.values`         :func:`tag_values`: the tag values a query names (did-you-mean)
:mod:`alerts.query.geo`            ``near:``/``bbox:`` leaves; :mod:`~alerts.query.geocells` their
                                   geohash keys; :mod:`~alerts.query.gazetteer` names to points
=================================  ========================================================
"""

from __future__ import annotations

from alerts.query._compiled import choose_build

COMPILED = choose_build()  # before the imports below: they load the build it chose (mypyc or source)

# ruff: noqa: E402 - the build is chosen before these imports on purpose
from alerts.query.compile import CompiledQuery, Match, compile_query
from alerts.query.evaluate import MAX_TEXT_MENTIONS
from alerts.query.fields import (
    FIELDS,
    INDEX_FIELDS,
    PREFIX_LEN,
    TAG_FIELDS,
    is_prefix_key,
    key_cost,
    prefix_key,
    term_key,
)
from alerts.query.parse import MAX_CLAUSES, MAX_QUERY_LENGTH
from alerts.query.story import PreparedStory, prepare
from alerts.query.values import tag_values

__all__ = [
    "COMPILED",
    "FIELDS",
    "INDEX_FIELDS",
    "MAX_CLAUSES",
    "MAX_QUERY_LENGTH",
    "MAX_TEXT_MENTIONS",
    "PREFIX_LEN",
    "TAG_FIELDS",
    "CompiledQuery",
    "Match",
    "PreparedStory",
    "compile_query",
    "is_prefix_key",
    "key_cost",
    "prefix_key",
    "prepare",
    "tag_values",
    "term_key",
]
