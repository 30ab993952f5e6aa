"""Least-privilege Elasticsearch roles for a production cluster, one identity per job.

The local node runs with security off, so there every part of TinRadar can do anything,
delete the audit trail included. A production cluster gives each part its own identity
(an API key or a user, ``TINRADAR_ES_API_KEY`` / ``TINRADAR_ES_USERNAME``) with one of
these roles, and keeps the cluster defaults (``action.destructive_requires_name: true``):

* ``tinradar_admin``: set-up (templates, the mappings of existing indices, the audit index) and the claim
  registry (``tinradar claims``: seed, add, retire, import).
* ``tinradar_pipeline``: crawl → analyse → index; the docs and repeat-cluster indices and the index
  epoch (``index.epoch``), never the audit.
* ``tinradar_desk``: the review desk reads the docs, updates their ``review`` fields, and
  may only *add* records to the audit index (``create_doc``): no overwrite, update or
  delete there, so a stolen desk identity cannot erase what the desk did.
* ``tinradar_auditor``: reads both, for ``tinradar review audit verify``, Kibana and the report.

``tinradar es roles`` prints them for the configured prefix; tests/security/test_least_privilege.py
checks them on a local node with security on.
"""

from __future__ import annotations

from typing import Any

from tinradar.settings import Settings


def roles(settings: Settings) -> dict[str, dict[str, Any]]:
    """Role name → body of ``PUT _security/role/<name>``."""
    prefix = settings.es_index_prefix
    docs, audit, claims = f"{prefix}-docs*", f"{prefix}-audit", f"{prefix}-claims"
    clusters = f"{prefix}-clusters*"  # repeat clusters (index/clusters.py), written by the analyse stage
    epoch = f"{prefix}-epoch"  # the index epoch (index/epoch.py): read, or made once, before each crawl
    return {
        "tinradar_admin": {
            "cluster": ["monitor", "manage_index_templates"],
            "indices": [{"names": [docs, audit, claims, clusters, epoch], "privileges": ["all"]}],
        },
        "tinradar_pipeline": {
            # ensure_templates runs before each load; bulk create/update of the pipeline's fields.
            # No mapping update: ``index`` allows one only through Elasticsearch 9's deprecated path
            # (refused from the next major). ``view_index_metadata`` reads the months' mappings, and an
            # outdated one stops the load until the admin's ``tinradar index init`` (index/templates.py).
            "cluster": ["monitor", "manage_index_templates"],
            # the claim registry is read at the start of each run (seeding it is the admin's job)
            "indices": [
                {"names": [docs, clusters], "privileges": ["create_index", "index", "read", "view_index_metadata"]},
                {"names": [claims], "privileges": ["read"]},
                # made when absent (a new cluster, deleted indices); never overwritten or deleted by the pipeline
                {"names": [epoch], "privileges": ["create_index", "create_doc", "read", "view_index_metadata"]},
            ],
        },
        "tinradar_desk": {
            "cluster": [],
            "indices": [
                {"names": [docs], "privileges": ["read", "index"]},
                {"names": [audit], "privileges": ["read", "create_doc"]},
                # proposals from reviewers, approvals and recorded corrections (each audited first)
                {"names": [claims], "privileges": ["read", "index"]},
            ],
        },
        "tinradar_auditor": {
            "cluster": [],
            "indices": [{"names": [docs, audit, claims], "privileges": ["read"]}],
        },
    }
