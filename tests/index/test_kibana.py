"""Kibana saved objects: structure, fields against the mapping, and the import request."""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from flows.cli import app
from index.kibana import KibanaImportError, import_objects, objects_files
from index.templates import mapped_fields

KIBANA = Path(__file__).resolve().parents[2] / "kibana"
KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*:")
PAINLESS_FIELD = re.compile(r"'([a-z_][\w.]*)'")


def runtime_fields() -> dict[str, Any]:
    """The data view's runtime fields: name → {type, script}."""
    (view,) = [o for o in load_objects() if o["type"] == "index-pattern"]
    return json.loads(view["attributes"]["runtimeFieldMap"])


def load_objects() -> list[dict[str, Any]]:
    objects = []
    for path in objects_files():
        objects += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return objects


def fields_used(obj: dict[str, Any]) -> set[str]:
    """Every index field an object names: KQL queries, columns, sorts, Lens source fields, time field."""
    attrs = obj["attributes"]
    used: set[str] = set()
    if obj["type"] == "index-pattern":
        used.add(attrs["timeFieldName"])
        runtime = json.loads(attrs.get("runtimeFieldMap", "{}"))
        used |= set(json.loads(attrs.get("fieldAttrs", "{}"))) - set(runtime)
        for spec in runtime.values():  # the index fields a runtime field's script reads
            used |= set(PAINLESS_FIELD.findall(spec["script"]["source"]))
    if obj["type"] == "search":
        used |= set(attrs["columns"]) | {field for field, _ in attrs["sort"]}
        source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
        used |= set(KQL_FIELD.findall(source["query"]["query"]))
    if obj["type"] == "dashboard":
        for panel in json.loads(attrs["panelsJSON"]):
            lens = panel.get("embeddableConfig", {}).get("attributes")
            if not lens:
                continue
            used |= set(KQL_FIELD.findall(lens["state"]["query"]["query"]))
            for layer in lens["state"]["datasourceStates"]["formBased"]["layers"].values():
                used |= {c["sourceField"] for c in layer["columns"].values() if c["sourceField"] != "___records___"}
    return used


def test_committed_ndjson_is_what_build_writes():
    spec = importlib.util.spec_from_file_location("kibana_build", KIBANA / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (KIBANA / "tinradar.ndjson").read_text(encoding="utf-8") == module.render(), "run: python kibana/build.py"


def test_objects_structure_and_references():
    objects = load_objects()
    keys = [(o["type"], o["id"]) for o in objects]
    assert len(keys) == len(set(keys)), "duplicate ids"
    kinds = {o["type"] for o in objects}
    assert kinds == {"index-pattern", "search", "dashboard"}
    by_key = set(keys)
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in by_key, f"{obj['id']} refers to missing {ref}"
    titles = {o["attributes"]["title"] for o in objects if o["type"] == "search"}
    assert titles == {"Cần xem xét", "Tin đồn đã xác nhận", "Theo địa phương"}
    [view] = [o for o in objects if o["type"] == "index-pattern"]
    assert view["attributes"]["title"] == "tinradar-docs*" and view["attributes"]["timeFieldName"] == "published_at"


def test_dashboard_panels_are_lens_by_value_or_saved_searches():
    [dash] = [o for o in load_objects() if o["type"] == "dashboard"]
    panels = json.loads(dash["attributes"]["panelsJSON"])
    assert {p["type"] for p in panels} <= {"lens", "search"}
    assert len(panels) >= 6
    ref_names = {r["name"] for r in dash["references"]}
    for panel in panels:
        assert panel["gridData"]["i"] == panel["panelIndex"]
        if panel["type"] == "search":
            assert f"{panel['panelIndex']}:{panel['panelRefName']}" in ref_names
            continue
        lens = panel["embeddableConfig"]["attributes"]
        for layer_id, layer in lens["state"]["datasourceStates"]["formBased"]["layers"].items():
            assert f"{panel['panelIndex']}:indexpattern-datasource-layer-{layer_id}" in ref_names
            assert layer["columnOrder"] and set(layer["columnOrder"]) == set(layer["columns"])
        vis = lens["state"]["visualization"]
        columns = {
            c for layer in lens["state"]["datasourceStates"]["formBased"]["layers"].values() for c in layer["columns"]
        }
        accessors = set()
        for layer in vis["layers"]:
            accessors |= (
                set(layer.get("accessors", [])) | set(layer.get("metrics", [])) | set(layer.get("primaryGroups", []))
            )
            accessors |= {layer[k] for k in ("xAccessor", "splitAccessor") if k in layer}
        assert accessors <= columns, f"{panel['title']}: accessor without a column"
    sources = {
        f
        for p in panels
        if p["type"] == "lens"
        for f in fields_used({"type": "dashboard", "attributes": {"panelsJSON": json.dumps([p])}})
    }
    assert {"published_at", "risk_level", "sentiment", "source_id", "claim_ids", "place_names"} <= sources


def test_every_field_used_exists_in_the_mapping():
    known = mapped_fields() | set(runtime_fields())  # a runtime field's own inputs are checked above
    for obj in load_objects():
        missing = fields_used(obj) - known
        assert not missing, f"{obj['type']} {obj['attributes']['title']}: {missing}"


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    reply: ClassVar[tuple[int, dict[str, Any]]] = (200, {"success": True, "successCount": 5, "successResults": []})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, payload = type(self).reply
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def kibana():
    _Recorder.requests = []
    _Recorder.reply = (200, {"success": True, "successCount": 5, "successResults": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder
    server.shutdown()
    server.server_close()


def test_import_request(kibana):
    url, recorder = kibana
    result = import_objects(url, objects_files(), api_key="a2V5LWlkOmtleQ==", space="ban-tuyen-giao")
    assert result.success and result.success_count == 5
    [req] = recorder.requests
    assert req["path"] == "/s/ban-tuyen-giao/api/saved_objects/_import?overwrite=true"
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["kbn-xsrf"] and headers["authorization"] == "ApiKey a2V5LWlkOmtleQ=="
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="tinradar.ndjson"' in req["body"]
    assert (KIBANA / "tinradar.ndjson").read_bytes() in req["body"]


def test_import_cli_reports_kibana_errors(kibana):
    url, recorder = kibana
    recorder.reply = (
        200,
        {
            "success": False,
            "successCount": 4,
            "errors": [
                {
                    "id": "x",
                    "type": "search",
                    "title": "T",
                    "error": {"type": "missing_references", "references": [{"type": "index-pattern", "id": "gone"}]},
                }
            ],
        },
    )
    result = CliRunner().invoke(app, ["kibana", "import", "--url", url])
    assert result.exit_code == 1
    assert "missing_references" in result.stderr and "index-pattern/gone" in result.stderr
    assert recorder.requests[0]["path"] == "/api/saved_objects/_import?overwrite=true"


def test_import_refused_and_unreachable(kibana):
    url, recorder = kibana
    recorder.reply = (401, {"message": "unauthorized"})
    with pytest.raises(KibanaImportError) as info:
        import_objects(url, objects_files(), api_key="secret-key-value")
    assert "401" in str(info.value) and "secret-key-value" not in str(info.value)
    with pytest.raises(KibanaImportError):
        import_objects("http://127.0.0.1:9", objects_files())


def test_import_cli_says_each_failure_in_vietnamese_and_english(kibana, tmp_path):
    """Analysts read both: ``kibana import``'s messages and hints were English only (or half)."""
    url, recorder = kibana
    said = {}
    for name, reply in {"refused": (403, {}), "not-kibana": (404, {"message": "Not Found"})}.items():
        recorder.reply = reply
        said[name] = CliRunner().invoke(app, ["kibana", "import", "--url", url])
    said["unreachable"] = CliRunner().invoke(app, ["kibana", "import", "--url", "http://127.0.0.1:9"])
    said["bad-ca"] = CliRunner().invoke(
        app, ["kibana", "import", "--url", url, "--ca-certs", str(tmp_path / "khong-co.pem")]
    )
    recorder.reply = (200, {"success": True, "successCount": 5})
    said["done"] = CliRunner().invoke(app, ["kibana", "import", "--url", url])
    expected = {
        "refused": ["Kibana từ chối / refused the request (HTTP 403)", "dùng API key có quyền", "/ give an API key"],
        "not-kibana": ["Kibana trả lỗi / answered HTTP 404", "đây có phải Kibana 9", "/ is this Kibana 9"],
        "unreachable": ["Không kết nối được Kibana / cannot reach Kibana", "kiểm tra --url", "/ check --url"],
        "bad-ca": ["Không đọc được chứng chỉ CA / cannot read", "--ca-certs nhận tệp PEM", "/ --ca-certs takes"],
        "done": ["Đã nhập / imported 5 đối tượng / objects vào / into"],
    }
    for name, words in expected.items():
        assert said[name].exit_code == (0 if name == "done" else 3), (name, said[name].stderr)
        for word in words:
            assert word in " ".join(said[name].stderr.split()), (name, word, said[name].stderr)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself (its own CA) and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509  # Scrapy's dependency, so always installed
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tinradar-test-kibana")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "ca.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_import_over_tls_with_a_private_ca(tmp_path, recwarn):
    """``--ca-certs`` becomes an SSL context (httpx 0.28 deprecates ``verify=<path>``); a CA
    file that is missing or not PEM is a KibanaImportError, not a traceback."""
    import ssl

    ca, key = _self_signed(tmp_path)
    _Recorder.requests = []
    _Recorder.reply = (200, {"success": True, "successCount": 5, "successResults": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        result = import_objects(url, objects_files(), ca_certs=ca)
        assert result.success and result.success_count == 5 and len(_Recorder.requests) == 1
        assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)], [str(w.message) for w in recwarn]
        with pytest.raises(KibanaImportError, match="cannot reach Kibana"):
            import_objects(url, objects_files())  # the public CAs do not know this one
        not_pem = tmp_path / "not.pem"
        not_pem.write_text("not a certificate", encoding="utf-8")
        for bad in (tmp_path / "missing.pem", not_pem):
            with pytest.raises(KibanaImportError, match="CA certificate"):
                import_objects(url, objects_files(), ca_certs=bad)
        assert len(_Recorder.requests) == 1
    finally:
        server.shutdown()
        server.server_close()
