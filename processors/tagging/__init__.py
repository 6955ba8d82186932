"""The steps of ``processors.tagger.Tagger.tag``, one module each (see ``processors/tagger.py``).

scan → context → places → build → unresolved → names (unknown people and organisations);
``readings`` and ``words`` are what they read.
"""
