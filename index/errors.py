"""The local node's error: what went wrong and, in ``hint``, what to do about it.

Its own module because both the node (``index/node.py``) and the download of its
server (``index/distribution.py``) raise it, and the CLI turns it into one message.
"""

from __future__ import annotations


class NodeError(RuntimeError):
    """A local-node problem, with what to do about it in ``hint``."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint
