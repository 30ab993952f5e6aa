"""Attack: read the Elasticsearch password out of Prefect's run records.

The flows take ``settings`` as a parameter (``daily_pipeline``, ``daily_report`` and their
sub-flows), so Prefect stores the settings, serialised as JSON, with every flow run: in
``<data_dir>/prefect/prefect.db`` (mode 0644) and in the Prefect UI. ``SecretStr`` fields
come out as ``**********``, but a password written into ``TINRADAR_ES_URL``
(``https://elastic:PASSWORD@host:9200``, a form ``index.client.scrub`` already expects)
is a plain string and is stored as it is. Seen for real: ``tinradar run report`` with
such a URL left the password in ``prefect.db``.

Fixed in ``tinradar/settings.py``: URL credentials move into ``es_username`` /
``es_password`` (a ``SecretStr``) when the settings are read, and ``es_url`` keeps only the
host; Prefect's home is made readable by its owner only.
"""

from __future__ import annotations

import json
import os

from tinradar.settings import Settings

PASSWORD = "S3cret-in-url-9f2c"


def test_a_password_in_the_es_url_is_not_in_what_prefect_stores(tmp_path):
    settings = Settings(data_dir=tmp_path, es_url=f"https://elastic:{PASSWORD}@es.example:9200")
    stored = json.dumps(settings.model_dump(mode="json"))  # what Prefect keeps as the flow run's parameter
    assert PASSWORD not in stored
    assert settings.es_url.endswith("es.example:9200")  # the URL itself still works for the client
    assert settings.es_username == "elastic" and settings.es_password is not None
    assert settings.es_password.get_secret_value() == PASSWORD  # still used for basic auth
    assert settings.es_client_kwargs()["basic_auth"] == ("elastic", PASSWORD)


def test_an_explicit_password_wins_over_one_in_the_url(tmp_path):
    settings = Settings(data_dir=tmp_path, es_url="http://u:from-url@127.0.0.1:9200", es_password="explicit")
    assert settings.es_url == "http://127.0.0.1:9200" and settings.es_username == "u"
    assert settings.es_password is not None and settings.es_password.get_secret_value() == "explicit"


def test_prefect_home_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    """The run records hold every flow's parameters: the folder is not for other accounts."""
    from flows.prefect_env import configure_prefect

    environ = {k: v for k, v in os.environ.items() if k != "PREFECT_HOME"}
    monkeypatch.setattr(os, "environ", environ)  # whatever it sets goes away with the test
    monkeypatch.setattr("flows.prefect_env._reload_prefect_settings", lambda: None)
    configure_prefect(Settings(data_dir=tmp_path))
    assert (tmp_path / "prefect").stat().st_mode & 0o077 == 0
