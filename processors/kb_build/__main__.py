"""``python -m processors.kb_build``: rebuild ``processors/data/places.tsv``."""

from processors.kb_build.gazetteer import main

main()
