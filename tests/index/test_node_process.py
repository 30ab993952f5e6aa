"""``LocalNode`` keeps the process it launched and waits for it on stop: no "subprocess … is
still running" ResourceWarning (the ``Popen`` used to be dropped as soon as the node answered),
no zombie, no open log handle. A node of its own, started and stopped here."""

from __future__ import annotations

import gc
import warnings

import pytest

from index.node import LocalNode, NodeError, free_port
from tinradar.settings import Settings


def test_stop_waits_for_the_launched_process_and_leaves_nothing_open(tmp_path):
    node = LocalNode(Settings(data_dir=tmp_path / "data", es_heap="256m"), port=free_port())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            node.start()
        except NodeError as exc:
            pytest.skip(f"cannot start a second local node here: {exc}")
        try:
            gc.collect()  # whatever start dropped is collected (and warns) now
            assert node.status().running
        finally:
            assert node.stop()
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == [], leaks
    proc = node.process
    assert proc is not None and proc.returncode is not None  # waited for: its exit status is known
    assert not node.stop()  # stopped is stopped
