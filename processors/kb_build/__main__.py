"""``python -m processors.kb_build``: rebuild the generated data of ``processors/data``.

``places.tsv`` (gazetteer), ``topics_iptc.json`` (IPTC Media Topics) and ``actor_forms.json``
(Polish case forms of actors' names) and
``actors_petrarch.json`` (actors from the PETRARCH2/Phoenix dictionaries in ``../shared/data/actors``).
"""

from processors.kb_build import actor_forms, gazetteer, petrarch, topics

gazetteer.main()
topics.main()
actor_forms.main()
petrarch.main()
