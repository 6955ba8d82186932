"""``python -m processors.kb_build``: rebuild the generated data of ``processors/data``.

``places.tsv`` (gazetteer) with ``place_words.json`` (small towns named like words),
``topics_iptc.json`` (IPTC Media Topics) and ``actor_forms.json``
(Polish case forms of actors' names) and
``actors_petrarch.json`` (actors from the PETRARCH2/Phoenix dictionaries in ``../shared/data/actors``)
and ``regions_geo.json`` (the members of border belts, from Natural Earth's outlines).
"""

from processors.kb_build import actor_forms, belts, gazetteer, petrarch, topics

gazetteer.main()
belts.main()
topics.main()
actor_forms.main()
petrarch.main()
