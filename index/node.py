"""A real, local, single-node Elasticsearch for development, the demo and the tests.

The server comes from Maven Central (the ``integ-test-zip`` distribution: no bundled
JDK, core analysis only), is cached once, and runs on 127.0.0.1 with security off —
acceptable only because it listens on loopback. Elasticsearch refuses to run as root,
so when TinRadar runs as root the node runs as a dedicated system user; its files then
live under ``settings.es_root_dir`` (``/var/lib/tinradar-es`` by default: a home
directory such as ``/root`` is not traversable by that user) and the data dir gets a
symlink to them. The zip is fetched and verified by ``index.distribution``.

Production clusters are not managed here: point ``TINRADAR_ES_URL`` at them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.distribution import fetch_distribution
from index.errors import NodeError
from tinradar.settings import Settings

JVM_DIRS = (Path("/usr/lib/jvm"), Path("/usr/java"), Path("/opt/java"), Path("/Library/Java/JavaVirtualMachines"))
MIN_JAVA = 21


@dataclass(frozen=True)
class NodeStatus:
    """What ``tinradar es status`` shows."""

    running: bool
    url: str
    pid: int | None = None
    version: str | None = None
    health: str | None = None
    node_dir: Path | None = None


# --- Java ---------------------------------------------------------------------------


def java_major(java_home: Path) -> int | None:
    """Major version of a JDK/JRE folder, from its ``release`` file (None if not a Java)."""
    release = java_home / "release"
    if not (java_home / "bin" / "java").exists() or not release.is_file():
        return None
    match = re.search(r'JAVA_VERSION="(\d+)', release.read_text(errors="replace"))
    return int(match.group(1)) if match else None


def find_java(settings: Settings) -> Path:
    """A Java ``MIN_JAVA``+ home: the setting, then ``ES_JAVA_HOME``, then the system JVM folders."""
    candidates: list[Path] = []
    if settings.es_java_home:
        candidates.append(settings.es_java_home)
    if os.environ.get("ES_JAVA_HOME"):
        candidates.append(Path(os.environ["ES_JAVA_HOME"]))
    for base in JVM_DIRS:
        if base.is_dir():
            candidates.extend(sorted((p for p in base.iterdir() if p.is_dir()), reverse=True))
    found = [(java_major(c), c) for c in candidates]
    usable = [(major, c) for major, c in found if major and major >= MIN_JAVA]
    if not usable:
        seen = ", ".join(f"{c} (Java {m})" for m, c in found if m) or "none"
        raise NodeError(
            f"No Java {MIN_JAVA}+ found for Elasticsearch 9 (looked in {', '.join(map(str, JVM_DIRS))}; found: {seen}).",
            hint="Install a JDK 21+ (e.g. Debian 'openjdk-21-jre-headless' or Temurin 25) or set TINRADAR_ES_JAVA_HOME.",
        )
    # The explicit settings win; otherwise the newest.
    if settings.es_java_home and usable[0][1] == settings.es_java_home:
        return usable[0][1]
    return max(usable, key=lambda mc: mc[0])[1]


# --- the node -------------------------------------------------------------------------


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _http_json(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            answer: dict[str, Any] = json.loads(resp.read().decode())
            return answer
    except (urllib.error.URLError, OSError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalNode:
    """One local Elasticsearch node whose state lives under ``settings.data_dir``.

    Alone by default (``discovery.type: single-node``); a member of a ``LocalCluster`` when
    ``peers`` names every node of the cluster (name and transport port).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        port: int | None = None,
        name: str = "tinradar-local",
        transport_port: int | None = None,
        peers: list[tuple[str, int]] | None = None,
        heap: str | None = None,
    ) -> None:
        self.settings = settings
        self.port = port or settings.es_port
        self.name = name
        self.transport_port = transport_port
        self.peers = peers or []
        self.heap = heap or settings.es_heap
        #: The process this object launched, kept so ``stop`` waits for it (dropped while it runs,
        #: a ``Popen`` warns "subprocess … is still running"; never waited for, it stays a zombie).
        self.process: subprocess.Popen[bytes] | None = None
        self.as_root = os.geteuid() == 0
        single = not self.peers
        self.link = settings.data_dir / "elasticsearch" if single else settings.data_dir / "es-cluster" / name
        self.root_base = settings.es_root_dir
        if self.as_root:
            tag = hashlib.sha1(str(settings.data_dir.resolve()).encode()).hexdigest()[:12]
            self.node_dir = self.root_base / (f"node-{tag}" if single else f"node-{tag}-{name}")
            self.dist_base = self.root_base / "dist"
        else:
            self.node_dir = self.link
            self.dist_base = settings.cache_dir / "dist"

    # paths
    @property
    def home(self) -> Path:
        return self.dist_base / f"elasticsearch-{self.settings.es_version}"

    @property
    def state_file(self) -> Path:
        return self.node_dir / "node.json"

    @property
    def pid_file(self) -> Path:
        return self.node_dir / "node.pid"

    @property
    def log_file(self) -> Path:
        return self.node_dir / "logs" / "tinradar-local.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._state().get('port', self.port)}"

    def _state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads(self.state_file.read_text())
            return state
        except (OSError, ValueError):
            return {}

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    # status
    def status(self) -> NodeStatus:
        state = self._state()
        url = f"http://127.0.0.1:{state.get('port', self.port)}"
        pid = self._pid()
        # This distribution has no root ("GET /") endpoint: ask health and node info.
        health = _http_json(f"{url}/_cluster/health") if pid else None
        if not health:
            return NodeStatus(running=False, url=url, pid=pid, node_dir=self.node_dir)
        nodes = (_http_json(f"{url}/_nodes/_local?filter_path=nodes.*.version") or {}).get("nodes", {})
        version = next((n.get("version") for n in nodes.values()), None)
        return NodeStatus(
            running=True, url=url, pid=pid, version=version, health=health.get("status"), node_dir=self.node_dir
        )

    # start
    def _ensure_user(self) -> pwd.struct_passwd:
        name = self.settings.es_user
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
        tool = shutil.which("useradd")
        if not tool:
            raise NodeError(
                f"Running as root and user '{name}' does not exist.", hint=f"Create it: useradd --system {name}"
            )
        subprocess.run(
            [
                tool,
                "--system",
                "--no-create-home",
                "--home-dir",
                str(self.root_base),
                "--shell",
                "/usr/sbin/nologin",
                name,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)

    def _check_traversable(self) -> None:
        """The node's user must reach ``es_root_dir``: say which folder blocks it, before starting."""
        for folder in reversed(self.root_base.parents):
            if folder.is_dir() and not folder.stat().st_mode & 0o001:
                raise NodeError(
                    f"The user '{self.settings.es_user}' cannot enter {folder}, above the node's folder {self.root_base}.",
                    hint=f"Run 'chmod o+x {folder}', or set TINRADAR_ES_ROOT_DIR to a folder under one it can enter.",
                )

    def _install(self) -> None:
        if (self.home / "bin" / "elasticsearch").exists():
            return
        archive = fetch_distribution(self.settings)
        self.dist_base.mkdir(parents=True, exist_ok=True)
        tmp = self.dist_base / f".unpack-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
            for info in zf.infolist():  # zipfile drops the exec bits
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    (tmp / info.filename).chmod(mode)
        try:
            (tmp / self.home.name).rename(self.home)
        except OSError:
            if not (self.home / "bin" / "elasticsearch").exists():
                raise
        shutil.rmtree(tmp, ignore_errors=True)
        if self.as_root:
            for path in (self.root_base, self.dist_base):
                path.chmod(0o755)

    def _write_config(self, transport_port: int) -> Path:
        conf = self.node_dir / "config"
        if conf.exists():
            shutil.rmtree(conf)
        shutil.copytree(self.home / "config", conf)
        jvm = (conf / "jvm.options").read_text()
        jvm = jvm.replace("file=gc.log", f"file={self.node_dir / 'logs' / 'gc.log'}")
        jvm = jvm.replace("-XX:+HeapDumpOnOutOfMemoryError", "-XX:-HeapDumpOnOutOfMemoryError")
        (conf / "jvm.options").write_text(jvm)
        (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{self.heap}\n-Xmx{self.heap}\n")
        discovery: dict[str, Any] = {"discovery.type": "single-node"}
        if self.peers:  # one cluster of the named nodes (the initial masters are ignored after the first start)
            discovery = {
                "discovery.seed_hosts": [f"127.0.0.1:{p}" for _n, p in self.peers],
                "cluster.initial_master_nodes": [n for n, _p in self.peers],
            }
        yml = {
            "cluster.name": "tinradar-local" if not self.peers else "tinradar-local-cluster",
            "node.name": self.name,
            "path.data": str(self.node_dir / "data"),
            "path.logs": str(self.node_dir / "logs"),
            "network.host": "127.0.0.1",
            "http.port": self.port,
            "transport.port": transport_port,
            **discovery,
            # Loopback only: no TLS, no users. Never copy this to a real cluster.
            "xpack.security.enabled": False,
            # Dev disks are often >85% full; don't let that silently block writes.
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        (conf / "elasticsearch.yml").write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in yml.items()))
        return conf

    def start(self, timeout: float = 180.0) -> NodeStatus:
        """Start the node (or return the running one) and wait until it answers and is healthy."""
        current = self.status()
        if current.running:
            return current
        return self.wait(self.launch(), timeout)

    def launch(self) -> subprocess.Popen[bytes]:
        """Start the node's process without waiting for it (a cluster starts all its nodes first)."""
        java = find_java(self.settings)
        if not port_free(self.port):
            raise NodeError(
                f"Port {self.port} on 127.0.0.1 is already in use by another program.",
                hint="Stop that program, or choose another port: TINRADAR_ES_PORT=9201 tinradar es start",
            )
        user = self._ensure_user() if self.as_root else None
        if user is not None:
            self._check_traversable()
        self._install()
        self.node_dir.mkdir(parents=True, exist_ok=True)
        (self.node_dir / "data").mkdir(exist_ok=True)
        (self.node_dir / "logs").mkdir(exist_ok=True)
        self.pid_file.unlink(missing_ok=True)
        conf = self._write_config(self.transport_port or free_port())
        if user is not None:
            for path in [self.node_dir, *self.node_dir.rglob("*")]:
                os.lchown(path, user.pw_uid, user.pw_gid)
            self.root_base.chmod(0o755)
            self.link.parent.mkdir(parents=True, exist_ok=True)
            if not self.link.is_symlink() and not self.link.exists():
                self.link.symlink_to(self.node_dir)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(java),
            "ES_PATH_CONF": str(conf),
            "LANG": "C.UTF-8",
        }
        if user is not None:
            env["HOME"] = str(self.node_dir)
        # The child has its own copy of the log's handle: ours is closed at once, also when Popen fails.
        with (self.node_dir / "logs" / "stdout.log").open("ab") as stdout:
            proc = subprocess.Popen(
                [str(self.home / "bin" / "elasticsearch"), "-p", str(self.pid_file)],
                cwd=self.node_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
            )
        self.process = proc
        self.state_file.write_text(
            json.dumps({"port": self.port, "launcher_pid": proc.pid, "version": self.settings.es_version})
        )
        return proc

    def wait(self, proc: subprocess.Popen[bytes], timeout: float = 180.0) -> NodeStatus:
        """Wait until the launched node answers with a green or yellow cluster."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None and not self._pid():
                raise NodeError(
                    f"Elasticsearch exited during start (code {proc.returncode}). Last log lines:\n{self.tail(25)}",
                    hint=f"Read the full log with 'tinradar es logs' ({self.node_dir / 'logs'}).",
                )
            status = self.status()
            if status.running and status.health in ("green", "yellow"):
                return status
            time.sleep(0.5)
        self.stop()
        raise NodeError(
            f"Elasticsearch did not become healthy within {timeout:.0f}s. Last log lines:\n{self.tail(25)}",
            hint="Check memory (TINRADAR_ES_HEAP) and the log with 'tinradar es logs'.",
        )

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the node cleanly (SIGTERM, then SIGKILL after ``timeout``). True if one was running."""
        pids = [p for p in (self._pid(), self._state().get("launcher_pid")) if p and pid_alive(int(p))]
        if not pids:
            if self.process is not None:  # ours, ended by itself: collect its exit status
                self.process.poll()
            self.pid_file.unlink(missing_ok=True)
            return False
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(pid_alive(int(p)) for p in pids):
            self._reap(pids)
            time.sleep(0.2)
        for pid in pids:
            if pid_alive(int(pid)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
        if self.process is not None:  # the one we launched: its exit status, and no zombie left
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _reap(self, pids: list[Any]) -> None:
        """Collect our own children that have exited (a zombie still counts as alive for ``pid_alive``).

        The process this object launched through its ``Popen`` (which records the exit status);
        a launcher of an earlier ``LocalNode`` in this process directly.
        """
        own = self.process.pid if self.process is not None else None
        if self.process is not None:
            self.process.poll()
        for pid in pids:
            if int(pid) != own:
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(int(pid), os.WNOHANG)

    def tail(self, lines: int = 50) -> str:
        """The last lines of the node's logs (the JSON server log, else stdout)."""
        for path in (self.log_file, self.node_dir / "logs" / "stdout.log"):
            if path.is_file() and path.stat().st_size:
                return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log yet)"

    def follow(self) -> Iterator[str]:
        """Yield log lines as they are written (for ``tinradar es logs --follow``)."""
        path = self.log_file
        with path.open(errors="replace") as fh:
            fh.seek(0, os.SEEK_END)
            while True:
                line = fh.readline()
                if line:
                    yield line.rstrip("\n")
                else:
                    time.sleep(0.5)


# --- a local multi-node cluster ----------------------------------------------------------


class LocalCluster:
    """``nodes`` local nodes of the same distribution on 127.0.0.1 forming one cluster.

    For tests and demos of what a real cluster does (replicas, a node lost mid-bulk). Its
    layout (names, HTTP and transport ports) is kept in ``<data_dir>/es-cluster/cluster.json``
    so a stopped node restarts on the same ports and rejoins, and ``tinradar es stop`` finds
    every node. Small heaps (``heap`` each): three nodes fit beside the rest on a laptop.
    """

    def __init__(self, settings: Settings, *, nodes: int = 3, port: int | None = None, heap: str = "256m") -> None:
        self.settings = settings
        self.layout_file = settings.data_dir / "es-cluster" / "cluster.json"
        layout = self._load()
        if not layout:
            base = port or settings.es_port
            ports = [base + i if port_free(base + i) else free_port() for i in range(nodes)]
            layout = {
                "heap": heap,
                "nodes": [
                    {"name": f"tinradar-{i + 1}", "http": p, "transport": free_port()} for i, p in enumerate(ports)
                ],
            }
            self.layout_file.parent.mkdir(parents=True, exist_ok=True)
            self.layout_file.write_text(json.dumps(layout))
        peers = [(n["name"], int(n["transport"])) for n in layout["nodes"]]
        self.nodes = [
            LocalNode(
                settings,
                port=int(n["http"]),
                name=n["name"],
                transport_port=int(n["transport"]),
                peers=peers,
                heap=layout.get("heap", heap),
            )
            for n in layout["nodes"]
        ]

    def _load(self) -> dict[str, Any]:
        try:
            layout: dict[str, Any] = json.loads(self.layout_file.read_text())
            return layout
        except (OSError, ValueError):
            return {}

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{n.port}" for n in self.nodes]

    def start(self, timeout: float = 300.0) -> list[NodeStatus]:
        """Start every node that is not running, then wait until each answers (green or yellow)."""
        launched = [(node, node.launch()) for node in self.nodes if not node.status().running]
        for node, proc in launched:
            node.wait(proc, timeout)
        return [node.status() for node in self.nodes]

    def health(self, timeout: float = 2.0) -> dict[str, Any]:
        """The cluster's health as the first answering node says it ({} when none answers)."""
        for url in self.urls:
            answer = _http_json(f"{url}/_cluster/health", timeout)
            if answer:
                return answer
        return {}

    def wait_for(self, status: str = "green", nodes: int | None = None, timeout: float = 300.0) -> dict[str, Any]:
        """Wait until the cluster reports ``status`` (or better) with ``nodes`` nodes; its last health."""
        rank = {"red": 0, "yellow": 1, "green": 2}
        want = len(self.nodes) if nodes is None else nodes
        deadline = time.monotonic() + timeout
        health: dict[str, Any] = {}
        while time.monotonic() < deadline:
            health = self.health()
            if rank.get(health.get("status", "red"), 0) >= rank[status] and health.get("number_of_nodes") == want:
                return health
            time.sleep(1.0)
        raise NodeError(f"The local cluster did not become {status} with {want} nodes in {timeout:.0f}s: {health}")

    def stop(self) -> int:
        """Stop every node; how many were running."""
        return sum(1 for node in self.nodes if node.stop())

    def remove(self) -> None:
        """Delete the nodes' data and the layout (the cluster must be stopped)."""
        for node in self.nodes:
            shutil.rmtree(node.node_dir, ignore_errors=True)
        shutil.rmtree(self.layout_file.parent, ignore_errors=True)
