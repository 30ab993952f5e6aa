"""The server zip is fetched through the real code path from a local HTTP server and verified.

The server serves a small zip laid out like Maven Central, with no sidecar files unless a
test adds one: a pinned or configured hash is enough; without one the download is refused
naming the exact request that failed; a wrong hash leaves nothing in the cache dir.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from index.distribution import PINNED, Pinned, fetch_distribution, zip_url
from index.node import LocalNode, NodeError, free_port
from tinradar.settings import DEFAULT_ES_VERSION, Settings

VERSION = "9.99.0-test"


class _Repo:
    """A Maven-layout folder served over HTTP on 127.0.0.1, recording every request path."""

    def __init__(self, root: Path, base_url: str, requests: list[str]) -> None:
        self.root, self.base_url, self.requests = root, base_url, requests

    def publish(self, version: str, body: bytes, *, sha1_sidecar: str | None = None) -> str:
        folder = self.root / "org/elasticsearch/distribution/integ-test-zip/elasticsearch" / version
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"elasticsearch-{version}.zip").write_bytes(body)
        if sha1_sidecar is not None:
            (folder / f"elasticsearch-{version}.zip.sha1").write_text(sha1_sidecar)
        return hashlib.sha512(body).hexdigest()


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[_Repo]:
    root = tmp_path / "maven2"
    root.mkdir()
    requests: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield _Repo(root, f"http://127.0.0.1:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()


def _small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(f"elasticsearch-{VERSION}/bin/elasticsearch", "#!/bin/sh\n")
    return buffer.getvalue()


def _settings(repo: _Repo, tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        es_version=VERSION, es_maven_repo=repo.base_url, cache_dir=tmp_path / "cache", data_dir=tmp_path / "d", **extra
    )


def test_a_configured_hash_is_enough_without_any_sidecar(repo: _Repo, tmp_path: Path) -> None:
    body = _small_zip()
    sha512 = repo.publish(VERSION, body)
    settings = _settings(repo, tmp_path, es_sha512=sha512.upper())

    path = fetch_distribution(settings)

    assert path.read_bytes() == body
    assert repo.requests == [zip_url(settings).removeprefix(repo.base_url)]  # the zip only: no sidecar asked
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, path.name + ".verified"]
    # A second call reuses the verified zip: no request at all.
    assert fetch_distribution(settings) == path and len(repo.requests) == 1


def test_a_pinned_hash_is_enough_without_any_sidecar(
    repo: _Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _small_zip()
    monkeypatch.setitem(
        PINNED, VERSION, Pinned(sha512=hashlib.sha512(body).hexdigest(), sha1=hashlib.sha1(body).hexdigest())
    )
    repo.publish(VERSION, body)

    path = fetch_distribution(_settings(repo, tmp_path))

    assert path.read_bytes() == body and all(not r.endswith(".sha1") for r in repo.requests)


def test_unknown_hash_is_refused_naming_the_sidecar_request_and_the_setting(repo: _Repo, tmp_path: Path) -> None:
    repo.publish(VERSION, _small_zip())
    settings = _settings(repo, tmp_path)

    with pytest.raises(NodeError) as err:
        fetch_distribution(settings)

    message = str(err.value)
    assert f"{zip_url(settings)}.sha1 answered HTTP 404" in message
    assert "TINRADAR_ES_SHA512" in err.value.hint and DEFAULT_ES_VERSION in err.value.hint
    # Refused before the 130 MB download: the zip was never requested, nothing is cached.
    assert all(r.endswith(".sha1") for r in repo.requests)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_a_wrong_hash_is_refused_and_nothing_half_written_stays(repo: _Repo, tmp_path: Path) -> None:
    repo.publish(VERSION, _small_zip())
    settings = _settings(repo, tmp_path, es_sha512="0" * 128)

    with pytest.raises(NodeError) as err:
        fetch_distribution(settings)

    assert f"Checksum mismatch for {zip_url(settings)}" in str(err.value) and "TINRADAR_ES_SHA512" in str(err.value)
    assert list((tmp_path / "cache").iterdir()) == []  # no zip, no .part


def test_a_missing_zip_is_named_as_the_failed_request(repo: _Repo, tmp_path: Path) -> None:
    settings = _settings(repo, tmp_path, es_sha512="0" * 128)  # a hash is known: the zip itself is asked

    with pytest.raises(NodeError) as err:
        fetch_distribution(settings)

    assert f"zip request {zip_url(settings)} answered HTTP 404" in str(err.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_registry_sidecar_is_a_last_source_and_is_checked(repo: _Repo, tmp_path: Path) -> None:
    body = _small_zip()
    repo.publish(VERSION, body, sha1_sidecar=f"{hashlib.sha1(body).hexdigest()}  elasticsearch-{VERSION}.zip\n")
    assert fetch_distribution(_settings(repo, tmp_path)).read_bytes() == body

    other = tmp_path / "other"
    repo.publish(VERSION, body, sha1_sidecar="f" * 40)
    with pytest.raises(NodeError) as err:
        fetch_distribution(_settings(repo, other))
    assert "SHA1" in str(err.value) and f"{zip_url(_settings(repo, other))}.sha1" in str(err.value)


def test_a_zip_placed_by_hand_is_verified_before_use(repo: _Repo, tmp_path: Path) -> None:
    settings = _settings(repo, tmp_path, es_sha512=hashlib.sha512(_small_zip()).hexdigest())
    placed = settings.cache_dir / f"elasticsearch-{VERSION}.zip"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(b"PK not the right zip")

    with pytest.raises(NodeError) as err:
        fetch_distribution(settings)

    assert str(placed) in str(err.value) and "Delete" in str(err.value)
    assert repo.requests == []


def test_the_node_refuses_to_start_an_unverified_server(repo: _Repo, tmp_path: Path) -> None:
    """Through the node's install step: the same refusal, and no server unpacked."""
    repo.publish(VERSION, _small_zip())
    settings = _settings(repo, tmp_path, es_root_dir=tmp_path / "root")
    node = LocalNode(settings, port=1)  # never bound: the refusal comes first

    with pytest.raises(NodeError) as err:
        node._install()

    assert ".sha1 answered HTTP 404" in str(err.value) and "TINRADAR_ES_SHA512" in err.value.hint
    assert not node.home.exists()


def test_the_default_version_is_pinned() -> None:
    """Bumping the default without pinning its hashes would send every new machine to the sidecar."""
    default = Settings.model_fields["es_version"].default
    assert default == DEFAULT_ES_VERSION
    pinned = PINNED[default]
    assert len(pinned.sha512) == 128 and len(pinned.sha1) == 40


def test_a_malformed_hash_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="128 hexadecimal"):
        Settings(es_sha512="abc")


@pytest.mark.skipif(os.geteuid() != 0, reason="the node runs as another user only when TinRadar runs as root")
def test_a_root_dir_the_node_user_cannot_enter_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    locked.chmod(0o700)
    node = LocalNode(Settings(data_dir=tmp_path / "d", es_root_dir=locked / "es"), port=free_port())

    with pytest.raises(NodeError) as err:
        node.start()

    blocking = str(err.value).split("cannot enter ")[1].split(",")[0]
    assert locked.is_relative_to(blocking) and not Path(blocking).stat().st_mode & 0o001
    assert "TINRADAR_ES_ROOT_DIR" in err.value.hint and not (locked / "es").exists()
