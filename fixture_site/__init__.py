"""The fixture site: a small fictional Vietnamese web of the 2021 COVID-19 wave.

Test and demo support, not a stage: ``fixture_site.generate`` renders ``fixtures/site/``
from its hand-written content and ``fixture_site.server.serve_fixture_site`` serves it on
127.0.0.1 with the bad inputs a crawler must survive. The tests, ``tinradar demo`` and the
benchmarks use it; ``crawlers``, ``nlp`` and ``index`` never import it
(``tests/kernel/test_layers.py`` checks), so no stage depends on test tooling.
"""
