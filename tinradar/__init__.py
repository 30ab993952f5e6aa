"""TinRadar kernel: the shared vocabulary of every stage.

The kernel holds the document schema, the settings and the Vietnamese text helpers.
It imports nothing else of ours, so ``crawlers``, ``nlp`` and ``index`` can depend on it
without ever depending on each other.
"""

__version__ = "0.1.0"
