"""The local node's server zip: downloaded once from Maven Central and verified before use.

Maven Central serves the ``integ-test-zip`` distribution but not always its ``.sha1`` /
``.sha512`` sidecars (9.5.4 has none), so a download that *needs* the sidecar fails on
every new machine while every machine with a warm cache passes. TinRadar therefore pins
the SHA-512 (and SHA-1) of each version it supports, here, next to the default version.
For another version the user gives the expected SHA-512 (``TINRADAR_ES_SHA512``); only
when neither is known is the registry's ``.sha1`` sidecar asked, as a last source. With
no source at all, or a hash that does not match, nothing is kept and nothing runs: an
unverified server never starts.

Every error names the request that really failed (the zip or the sidecar) and the
setting that would fix it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from index.errors import NodeError
from tinradar.settings import DEFAULT_ES_VERSION, Settings


@dataclass(frozen=True)
class Pinned:
    """Hashes of one published zip, computed from a download of it."""

    sha512: str
    sha1: str


#: The versions TinRadar supports without further settings. Add a version only with
#: hashes you computed yourself from its download (``sha512sum``, ``sha1sum``).
PINNED: dict[str, Pinned] = {
    DEFAULT_ES_VERSION: Pinned(
        sha512="a75df614854ace52dd0bce977662b3792873ac077ec0af9026cd0b2a0eb119e449910f8eb8ed577d1a83c51c6ee6af71bf5004c3cf5b418c979186de8b5dd9e6",
        sha1="068732643a261dbbe468b204c310c86751c9f65d",
    ),
}

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Expected:
    """The hash a zip must have, and where that expectation comes from (for messages)."""

    algorithm: str  # "sha512" or "sha1"
    digest: str
    origin: str


def zip_url(settings: Settings) -> str:
    v = settings.es_version
    return f"{settings.es_maven_repo.rstrip('/')}/org/elasticsearch/distribution/integ-test-zip/elasticsearch/{v}/elasticsearch-{v}.zip"


def cached_zip(settings: Settings) -> Path:
    return settings.cache_dir / f"elasticsearch-{settings.es_version}.zip"


def _local_expectation(settings: Settings) -> Expected | None:
    """The hash known without the network: the setting first, then TinRadar's pin."""
    if settings.es_sha512:
        return Expected("sha512", settings.es_sha512, "TINRADAR_ES_SHA512")
    pinned = PINNED.get(settings.es_version)
    if pinned:
        return Expected("sha512", pinned.sha512, f"the hash TinRadar pins for {settings.es_version}")
    return None


def _unknown_hint(settings: Settings) -> str:
    pinned = ", ".join(sorted(PINNED))
    return (
        f"Set TINRADAR_ES_SHA512 to the SHA-512 of elasticsearch-{settings.es_version}.zip (from a source you trust), "
        f"or use a version TinRadar pins: TINRADAR_ES_VERSION={pinned}."
    )


def _sidecar_expectation(settings: Settings, url: str) -> Expected:
    """The registry's ``.sha1``: the last source, asked only when no hash is known locally."""
    sidecar = url + ".sha1"
    try:
        with urllib.request.urlopen(sidecar, timeout=60) as resp:
            text = resp.read(4096).decode("ascii", errors="replace")
    except urllib.error.HTTPError as exc:
        raise NodeError(
            f"No checksum for Elasticsearch {settings.es_version}: TinRadar pins none for this version and "
            f"the checksum request {sidecar} answered HTTP {exc.code}. Nothing was downloaded.",
            hint=_unknown_hint(settings),
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise NodeError(
            f"No checksum for Elasticsearch {settings.es_version}: the checksum request {sidecar} failed ({_reason(exc)}).",
            hint=_unknown_hint(settings),
        ) from exc
    digest = (text.split() or [""])[0].strip().lower()
    if len(digest) != 40 or any(c not in "0123456789abcdef" for c in digest):
        raise NodeError(
            f"The checksum file {sidecar} does not hold a SHA-1 ({text[:80]!r}).", hint=_unknown_hint(settings)
        )
    return Expected("sha1", digest, sidecar)


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", None) or exc)


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _download(url: str, partial: Path, settings: Settings) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, partial.open("wb") as fh:
            shutil.copyfileobj(resp, fh, length=_CHUNK)
    except urllib.error.HTTPError as exc:
        raise NodeError(
            f"The Elasticsearch {settings.es_version} zip request {url} answered HTTP {exc.code}.",
            hint="Check TINRADAR_ES_VERSION (a published 9.x version; "
            f"{', '.join(sorted(PINNED))} is pinned) and TINRADAR_ES_MAVEN_REPO.",
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise NodeError(
            f"Could not download {url} ({_reason(exc)}).",
            hint=f"Check the network or a proxy, or set TINRADAR_ES_MAVEN_REPO to a mirror "
            f"(or put the zip at {cached_zip(settings)} by hand: it is checked before use).",
        ) from exc


def _check(path: Path, expected: Expected, what: str, then: str) -> None:
    """Raise unless ``path`` has the expected hash; ``then`` says what became of the file."""
    actual = _digest(path, expected.algorithm)
    if actual != expected.digest:
        raise NodeError(
            f"Checksum mismatch for {what}: {expected.algorithm.upper()} {actual}, expected {expected.digest} "
            f"(from {expected.origin}). {then}",
            hint="If you set TINRADAR_ES_SHA512, check its value; otherwise the file was damaged or the "
            "mirror (TINRADAR_ES_MAVEN_REPO) serves another one.",
        )


def fetch_distribution(settings: Settings) -> Path:
    """The verified server zip in the cache dir, downloaded when missing.

    A cached zip is checked again (against the setting, the pin, or the hash recorded
    when it was downloaded), so a zip put there by hand never runs unverified. The
    download goes to a per-process ``.part`` file and is moved into place only once it
    matches, so an interrupted or refused download leaves nothing behind.
    """
    target = cached_zip(settings)
    record = target.with_name(target.name + ".verified")
    url = zip_url(settings)
    expected = _local_expectation(settings)
    if target.is_file():
        if expected is None and record.is_file():
            expected = Expected("sha512", record.read_text().strip(), f"{record} (recorded at download)")
        then = f"Delete {target} and run again to download it afresh."
        _check(target, expected or _sidecar_expectation(settings, url), str(target), then)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if expected is None:  # ask before downloading 130 MB that could not be verified
        expected = _sidecar_expectation(settings, url)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        _download(url, partial, settings)
        _check(partial, expected, url, "The download was not kept: run the command again.")
        if not zipfile.is_zipfile(partial):
            raise NodeError(f"{url} is not a zip file.", hint="Check TINRADAR_ES_MAVEN_REPO.")
        sha512 = expected.digest if expected.algorithm == "sha512" else _digest(partial, "sha512")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    record.write_text(sha512 + "\n")
    return target
