"""TinRadar kernel: the shared vocabulary of every stage.

The kernel holds the document schema (``schema``), the settings (``settings``), the
Vietnamese text helpers (``text``), and the few things two stages must agree on: stable ids
and author pseudonyms (``ids``), the one JSON-lines reader (``jsonlines``), the one reader of
registries a person edits (``yamlfile``), the COVID-19 vocabulary (``covid_terms``) and the
border of the repeat-cluster store (``clusters``). It imports nothing else of ours, so
``crawlers``, ``nlp`` and ``index`` can depend on it without ever depending on each other.
"""

__version__ = "0.1.0"
