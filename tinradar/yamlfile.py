"""Reading a YAML file a person edits (the source registry, the claim registry).

Why one reader: each registry loader caught only "not found" and "not YAML", so a
registry saved by Notepad as UTF-16 or by an old editor as Latin-1, a folder given
where the file belongs, or a file nested thousands deep ended the command with
``UnicodeDecodeError``, ``IsADirectoryError`` or ``RecursionError`` (exit 70, "a
TinRadar bug"), and the score command even called the last one a missing transformers
backend. Every such problem is now a ``YamlFileError`` (a ``ValueError``) whose message
names the file and says what is wrong with it, which the loaders pass on as their own
error. UTF-8 (with or without a byte-order mark) and UTF-16 with its mark are read.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml

from tinradar.text import utf8_text


class YamlFileError(ValueError):
    """A YAML file that cannot be read or parsed; the message names the file and why."""


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise YamlFileError(f"{path}: không có tệp / no such file") from exc
    except IsADirectoryError as exc:
        raise YamlFileError(f"{path}: là một thư mục, không phải tệp / is a folder, not a file") from exc
    except PermissionError as exc:
        raise YamlFileError(f"{path}: không có quyền đọc / permission denied") from exc
    except OSError as exc:
        raise YamlFileError(f"{path}: không đọc được / cannot be read ({exc.strerror or exc})") from exc
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    return utf8_text(raw, path, error=YamlFileError)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path`` (``None`` for an empty file); a ``YamlFileError`` for anything else."""
    text = _text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}: not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise YamlFileError(f"{path}: lồng quá sâu / nested too deeply to be a registry") from exc
