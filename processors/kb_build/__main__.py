"""``python -m processors.kb_build``: rebuild the generated data of ``processors/data``.

In dependency order: ``places.tsv`` (gazetteer) with ``place_words.json`` (small towns named like
words), ``regions_geo.json`` (the members of border belts, from Natural Earth's outlines),
``topics_iptc.json`` (IPTC Media Topics), ``actors_petrarch.json`` (PETRARCH2/Phoenix actors in
``../shared/data/actors``), ``actors_wikidata.json`` (office holders with Wikidata QIDs and dated
roles) and ``actors_orgs.json`` (international organisations and parties) from the open data in
``../shared/kb-sources`` (see the README's "Knowledge"), ``actor_forms.json`` and
``name_endings.json`` (pl/ru/uk case forms of every table's names) and
``offices_generated.json`` (every state's leaders by title), ``actors_groups.json`` (armed groups of
the UN and OFAC sanctions lists) and ``given_names.json`` (given names of real people).
"""

from processors.kb_build import (
    actor_forms,
    belts,
    gazetteer,
    given,
    leaders,
    organisations,
    petrarch,
    sanctions,
    titles,
    topics,
)

gazetteer.main()
belts.main()
topics.main()
petrarch.main()
leaders.main([])
organisations.main([])
sanctions.main([])
actor_forms.main()
titles.main()
given.main()
