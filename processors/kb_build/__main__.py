"""``python -m processors.kb_build [--source DIR]``: rebuild the generated data of ``processors/data``.

In dependency order: ``places.tsv`` (gazetteer) with ``place_words.json`` (small towns named like
words), ``regions_geo.json`` (the members of border belts, from Natural Earth's outlines),
``topics_iptc.json`` (IPTC Media Topics), ``given_names.json`` (given names of real people, which
the PETRARCH step reads to tell people's names among organisations' aliases),
``actors_petrarch.json`` (PETRARCH2/Phoenix actors in ``../shared/data/actors``),
``actors_wikidata.json`` (office holders with Wikidata QIDs and dated roles) and
``actors_orgs.json`` (international organisations and parties) from the open data in
``../shared/kb-sources`` (``--source``; extracted by ``deploy/kb-sources.sh``, see the README's
"Knowledge"), ``actors_groups.json`` (armed groups of the UN and OFAC sanctions lists),
``actors_companies.json`` (companies and news media: name-suggestion-index, FinanceDatabase, fundus,
Wikidata's newspapers), ``actors_clubs.json`` (football clubs: openfootball; their one-word names
also keep GeoNames alternates abroad out of ``places.tsv``), ``actor_forms.json`` and
``name_endings.json`` (pl/ru/uk case forms of every table's names) and ``offices_generated.json``
(every state's leaders by title).
"""

from processors.kb_build import (
    actor_forms,
    belts,
    clubs,
    companies,
    gazetteer,
    given,
    leaders,
    organisations,
    petrarch,
    sanctions,
    titles,
    topics,
)
from processors.kb_build.sources import source_arg

source = ["--source", str(source_arg(None, __doc__))]
gazetteer.main(source)
belts.main()
topics.main()
print(f"wrote {given.main(source)} given names to {given.OUT}")  # noqa: T201
petrarch.main()
leaders.main(source)
organisations.main(source)
sanctions.main(source)
companies.main(source)
clubs.main(source)
actor_forms.main(source)
titles.main()
