"""Posting TinRadar's saved objects to Kibana's import API.

``POST {kibana}/[s/{space}/]api/saved_objects/_import?overwrite=true`` with the NDJSON
as a multipart file and the ``kbn-xsrf`` header Kibana requires for API writes. The
API key, if any, travels only in the ``Authorization`` header and never in messages.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field

from tinradar.settings import REPO_ROOT

KIBANA_DIR = REPO_ROOT / "kibana"


class KibanaImportError(RuntimeError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class ImportResult(BaseModel):
    target: str
    success: bool
    success_count: int = 0
    errors: list[str] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict)


def objects_files() -> list[Path]:
    """The NDJSON files shipped in ``kibana/``."""
    return sorted(KIBANA_DIR.glob("*.ndjson"))


def import_url(url: str, space: str | None) -> str:
    base = url.rstrip("/")
    if space and space != "default":
        base = f"{base}/s/{space}"
    return f"{base}/api/saved_objects/_import"


def _describe(error: dict[str, Any]) -> str:
    what = f"{error.get('type', '?')}/{error.get('id', '?')}"
    title = error.get("title") or error.get("meta", {}).get("title") or ""
    detail = error.get("error", {})
    kind = detail.get("type", "error") if isinstance(detail, dict) else str(detail)
    extra = ""
    if isinstance(detail, dict) and detail.get("references"):
        extra = " thiếu / missing: " + ", ".join(f"{r.get('type')}/{r.get('id')}" for r in detail["references"])
    return f"{what} {title!r}: {kind}{extra}".strip()


def import_objects(
    url: str,
    files: list[Path],
    *,
    api_key: str | None = None,
    space: str | None = None,
    ca_certs: Path | None = None,
    timeout: float = 60.0,
) -> ImportResult:
    """Import the files (concatenated, one request) with overwrite; report what Kibana said."""
    if not files:
        raise KibanaImportError(
            "Không có tệp NDJSON nào / no NDJSON file to import.",
            hint=f"cần tệp trong / expected files in {KIBANA_DIR}",
        )
    payload = b"".join(p.read_bytes().rstrip(b"\n") + b"\n" for p in files)
    target = import_url(url, space)
    headers = {"kbn-xsrf": "tinradar"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    verify: ssl.SSLContext | bool = True
    if ca_certs:
        # httpx 0.28 deprecates verify=<path>; an SSL context built from the CA file is what it asks for
        try:
            verify = ssl.create_default_context(cafile=str(ca_certs))
        except (OSError, ssl.SSLError) as exc:  # missing or not a PEM certificate: was a traceback (exit 70)
            raise KibanaImportError(
                f"Không đọc được chứng chỉ CA / cannot read the CA certificate {ca_certs}: {exc}",
                hint=(
                    "--ca-certs nhận tệp PEM của CA đã ký chứng chỉ của Kibana / "
                    "--ca-certs takes the PEM file of the CA that signed Kibana's certificate"
                ),
            ) from None
    try:
        resp = httpx.post(
            target,
            params={"overwrite": "true"},
            headers=headers,
            files={"file": ("tinradar.ndjson", payload, "application/ndjson")},
            timeout=timeout,
            verify=verify,
        )
    except httpx.HTTPError as exc:
        raise KibanaImportError(
            f"Không kết nối được Kibana / cannot reach Kibana at {target}: {type(exc).__name__}",
            hint=(
                "kiểm tra --url (ví dụ https://kibana.example.org:5601) và mạng; CA riêng thì dùng --ca-certs / "
                "check --url (e.g. https://kibana.example.org:5601) and the network; use --ca-certs for a private CA"
            ),
        ) from None
    if resp.status_code in (401, 403):
        raise KibanaImportError(
            f"Kibana từ chối / refused the request (HTTP {resp.status_code}).",
            hint=(
                "dùng API key có quyền 'Saved Objects Management' / "
                "give an API key with the 'Saved Objects Management' privilege: --api-key KEY"
            ),
        )
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if resp.status_code >= 400 or not isinstance(body, dict):
        message = body.get("message") if isinstance(body, dict) else None
        raise KibanaImportError(
            f"Kibana trả lỗi / answered HTTP {resp.status_code}: {message or resp.text[:200]}",
            hint=(
                "đây có phải Kibana 9 (API nhập saved objects) không? space đó có tồn tại không? / "
                "is this Kibana 9 (the saved-objects import API)? does the space exist?"
            ),
        )
    errors = [_describe(e) for e in body.get("errors", []) or []]
    return ImportResult(
        target=target,
        success=bool(body.get("success")) and not errors,
        success_count=int(body.get("successCount", 0)),
        errors=errors,
        raw=body,
    )
