"""A second local node with security on: users, roles and privileges are enforced.

Same integ-test zip and ``LocalNode`` as the test session's node (which runs with
security off), with ``xpack.security.enabled: true`` and the defaults a production
cluster keeps (``action.destructive_requires_name: true``). HTTP stays plain (single node
on 127.0.0.1, no TLS needed to test privileges). Roles and users live in the file realm
(``roles.yml``, and users made with the distribution's own ``elasticsearch-users`` tool
before the node starts): the security API's native realm needs the ``.security`` index,
whose mapping uses analysis filters this minimal distribution does not ship.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.request
from pathlib import Path

import yaml

from index.node import LocalNode, NodeStatus, find_java
from tinradar.settings import Settings

SUPERUSER = "tinradar-root"


class SecureNode(LocalNode):
    """``LocalNode`` with security on, a superuser (``SUPERUSER`` / ``password``), ``roles`` and ``users``.

    ``users`` maps a name to (password, role names).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        port: int,
        password: str,
        roles: dict[str, dict] | None = None,
        users: dict[str, tuple[str, list[str]]] | None = None,
    ) -> None:
        super().__init__(settings, port=port)
        self.password = password
        self.roles = roles or {}
        self.users = {SUPERUSER: (password, ["superuser"]), **(users or {})}

    def _write_config(self, transport_port: int) -> Path:
        conf = super()._write_config(transport_port)
        yml = conf / "elasticsearch.yml"
        text = yml.read_text().replace("xpack.security.enabled: false", "xpack.security.enabled: true")
        text = text.replace("action.destructive_requires_name: false", "action.destructive_requires_name: true")
        text += "xpack.security.http.ssl.enabled: false\nxpack.security.transport.ssl.enabled: false\n"
        yml.write_text(text)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(find_java(self.settings)),
            "ES_PATH_CONF": str(conf),
            "LANG": "C.UTF-8",
        }
        # Block style: the roles file is read one top-level role at a time.
        (conf / "roles.yml").write_text(yaml.safe_dump(self.roles, default_flow_style=False, sort_keys=False))
        tool = self.home / "bin" / "elasticsearch-users"
        for name, (password, roles) in self.users.items():
            subprocess.run(
                [str(tool), "useradd", name, "-p", password, "-r", ",".join(roles)],
                env=env,
                check=True,
                capture_output=True,
                timeout=180,
            )
        return conf

    def _get(self, path: str) -> dict | None:
        token = base64.b64encode(f"{SUPERUSER}:{self.password}".encode()).decode()
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"Basic {token}"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return json.loads(response.read())
        except (OSError, ValueError):
            return None

    def status(self) -> NodeStatus:
        pid = self._pid()
        health = self._get("/_cluster/health") if pid else None
        if not health:
            return NodeStatus(running=False, url=self.url, pid=pid, node_dir=self.node_dir)
        return NodeStatus(running=True, url=self.url, pid=pid, health=health.get("status"), node_dir=self.node_dir)
