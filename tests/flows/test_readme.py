"""The README's "Using it" block, run as written, so the README cannot drift from the product.

The block is parsed out of README.md and each command runs in its own process through the
real ``tinradar`` entry point, in README order (``crawl`` writes the ``docs.jsonl`` that
``score`` reads, and so on), against the session's Elasticsearch node, the fixture site
on 127.0.0.1 and a fresh data dir. Where the command as written needs a placeholder
filled (``https://…``) or a free port, only that is replaced. Commands that need the
network, a Kibana, a long training or that serve until stopped are covered by their
``--help``, or (the review desk) started and asked for a page. The ``es`` line runs on a
node of its own, so ``es stop`` never stops the session's node (this is also the test of
the ``es`` commands' lifecycle: one node however often it starts, stopped by ``stop``).

A command the table below does not know, or a known command the README dropped, fails
the test: add it here with how to run it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml

from fixture_site.server import serve_fixture_site
from flows.report.render import find_chromium
from index.node import LocalNode, free_port, pid_alive
from tinradar.settings import REPO_ROOT, Settings

BIN = Path(sys.executable).parent
FIXTURE_SITE = REPO_ROOT / "fixtures" / "site"
PAGE_URL = "https://tinnhanh.example/suc-khoe/song-5g-khong-lay-lan-virus.html"


def readme_commands() -> list[str]:
    """The commands of the README's "Using it" code block, without their comments."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Using it\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README.md: the 'Using it' section has no ```bash block"
    lines = (re.sub(r"\s+#\s.*$", "", line).strip() for line in match.group(1).splitlines())
    return [line for line in lines if line]


@dataclass
class Ctx:
    """Where a command runs: its folder, its environment, what earlier commands left."""

    work: Path
    env: dict[str, str]
    data_dir: Path


Check = Callable[[Ctx, subprocess.CompletedProcess[str]], None]


@dataclass(frozen=True)
class How:
    """How the test runs one README line.

    ``run``: as written (after ``replace``), exit code ``code`` (0 unless the README's
    exit-code table says otherwise for that input) and ``check``; ``help``: its
    ``--help`` (``why`` says why not as written); ``serve``: started, asked for a page,
    stopped; ``es``: the local node's lifecycle on a node of its own; ``activate``: the
    virtualenv's activate script and its ``tinradar`` exist.
    """

    mode: str
    why: str = ""
    replace: tuple[tuple[str, str], ...] = ()
    check: Check | None = None
    env: tuple[tuple[str, str], ...] = ()
    code: int = 0


def _lines(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _crawled(ctx: Ctx, _: subprocess.CompletedProcess[str]) -> None:
    assert _lines(ctx.work / "docs.jsonl"), "crawl wrote no document"


def _ingested(ctx: Ctx, _: subprocess.CompletedProcess[str]) -> None:
    assert len(_lines(ctx.work / "fb.jsonl")) >= 5


def _sheet_ingested(_: Ctx, proc: subprocess.CompletedProcess[str]) -> None:
    docs = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(docs) >= 3 and all(d["platform"] == "zalo" for d in docs)
    assert any(d["author_hash"] for d in docs)  # a person who posted is pseudonymised
    assert not any(d["author"] == "Nguyễn Văn Hải" for d in docs)


def _extracted(_: Ctx, proc: subprocess.CompletedProcess[str]) -> None:
    assert json.loads(proc.stdout)["title"] == "Sóng 5G không làm lây lan virus corona"


def _scored(ctx: Ctx, _: subprocess.CompletedProcess[str]) -> None:
    assert len(_lines(ctx.work / "scored.jsonl")) == len(_lines(ctx.work / "docs.jsonl"))


def _loaded(ctx: Ctx, proc: subprocess.CompletedProcess[str]) -> None:
    assert f"{len(_lines(ctx.work / 'scored.jsonl'))} mục / items, 0 dòng lỗi" in proc.stderr


def _nothing_rejected(_: Ctx, proc: subprocess.CompletedProcess[str]) -> None:
    assert "nothing rejected" in proc.stderr, proc.stderr


def _index_stats(_: Ctx, proc: subprocess.CompletedProcess[str]) -> None:
    assert "no document has a value left out" in proc.stderr, proc.stderr


def _search_json(_: Ctx, proc: subprocess.CompletedProcess[str]) -> None:
    payload = json.loads(proc.stdout)
    assert {"total", "hits", "stats"} <= set(payload)


def _reported(ctx: Ctx, _: subprocess.CompletedProcess[str]) -> None:
    folder = ctx.data_dir / "reports" / "2021-09-03"
    assert (folder / "report.html").is_file() and (folder / "report.md").is_file()
    if find_chromium():
        assert (folder / "report.pdf").stat().st_size > 0


def _user_added(ctx: Ctx, _: subprocess.CompletedProcess[str]) -> None:
    listed = subprocess.run([str(BIN / "tinradar"), "users", "list"], env=ctx.env, capture_output=True, text=True)
    assert listed.stdout.startswith("lan\treviewer\t"), listed.stdout


def _exported(ctx: Ctx, proc: subprocess.CompletedProcess[str]) -> None:
    assert (ctx.work / "reviews.jsonl").is_file(), proc.stderr


#: Every command of the README's "Using it" block, exactly as written there.
COMMANDS: dict[str, How] = {
    ". .venv/bin/activate": How("activate"),
    "tinradar es start | status | stop | logs": How("es"),
    "tinradar crawl --source vnexpress-suc-khoe --out docs.jsonl": How(
        "run",
        # The fixture site is dated August-September 2021: look back that far from today.
        env=(("TINRADAR_LOOKBACK_DAYS", str((date.today() - date(2021, 8, 1)).days)),),
        check=_crawled,
    ),
    "tinradar ingest facebook-export.csv --out fb.jsonl": How("run", check=_ingested),
    # The sample sheet has a row with an unreadable date and one without an id: they are
    # skipped and named, the rest go through, exit code 1 (README "Exit codes").
    'tinradar ingest sheet.csv --columns "text=Nội dung,time=Thời gian,author=Người đăng" --platform zalo': How(
        "run", check=_sheet_ingested, code=1
    ),
    "tinradar extract page.html --url https://…": How("run", replace=(("https://…", PAGE_URL),), check=_extracted),
    "tinradar score --input docs.jsonl --output scored.jsonl": How("run", check=_scored),
    "tinradar index load scored.jsonl": How("run", check=_loaded),
    "tinradar index replay": How("run"),
    "tinradar index rejected": How("run", check=_nothing_rejected),
    "tinradar index rejected --retry": How("run", check=_nothing_rejected),
    "tinradar index stats": How("run", check=_index_stats),
    'tinradar search "phong toa son duong" --since 2021-09-01 --risk-min 0.7 --format table': How("run"),
    'tinradar search "" --claim vaccine-infertility --format json --stats': How("run", check=_search_json),
    "tinradar run pipeline --day 2021-09-03": How("run"),
    "tinradar run report --day 2021-09-03": How("run", check=_reported),
    "tinradar serve": How("help", "serves schedules until stopped"),
    "tinradar users add lan --role reviewer": How("run", check=_user_added),
    "tinradar review serve --port 8800": How("serve", replace=(("8800", "{port}"),)),
    "tinradar kibana import --url https://kibana.example:5601 --api-key …": How("help", "needs a Kibana"),
    "tinradar train rumor --data ../shared/datasets --out nlp/models": How(
        "help", "a long training that would overwrite the shipped model"
    ),
    "tinradar review export --out reviews.jsonl": How("run", check=_exported),
    "tinradar train sentiment --data ../shared/datasets --with-reviews": How(
        "help", "a long training that would overwrite the shipped model"
    ),
    "tinradar train claims --data ../shared/datasets --with-reviews": How(
        "help", "a long training that would overwrite the shipped verifier"
    ),
}


def test_the_table_knows_every_readme_command_and_no_other() -> None:
    written = readme_commands()
    unknown = [c for c in written if c not in COMMANDS]
    assert not unknown, f"README commands this test cannot run yet (add them to COMMANDS): {unknown}"
    dropped = [c for c in COMMANDS if c not in written]
    assert not dropped, f"commands no longer in the README (remove them from COMMANDS): {dropped}"


def _test_registry(base_url: str, path: Path) -> Path:
    """The fixture registry on this server, plus the README's ``vnexpress-suc-khoe`` as a local copy.

    The real source needs the network; its stand-in serves the fixture outlet's health
    feed, so the README's crawl line runs as written against 127.0.0.1.
    """
    text = (FIXTURE_SITE / "sources.yaml").read_text(encoding="utf-8").replace("{base_url}", base_url)
    registry = yaml.safe_load(text)
    stand_in = next(s for s in registry["sources"] if s["id"] == "tinnhanh-suc-khoe")
    registry["sources"].append({**stand_in, "id": "vnexpress-suc-khoe", "name": "VnExpress Sức khỏe (local stand-in)"})
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    return path


def _shell(line: str, ctx: Ctx, *, stdin: str = "", timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line],
        cwd=ctx.work,
        env=ctx.env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,  # no terminal: a password prompt reads stdin
    )


def _help_of(line: str) -> str:
    words = shlex.split(line)
    first_option = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    return shlex.join([*words[:first_option], "--help"])


def _es_lifecycle(line: str, ctx: Ctx) -> list[str]:
    """``es start | status | stop | logs`` on a node of its own (own data dir and port).

    Also what ``start`` promises beyond its exit code: a second start finds the running
    node (one node, same pid), ``status`` names a 9.x node, ``stop`` ends it and a
    ``status`` afterwards says so with exit code 3 (a service is down).
    """
    subcommands = [w.strip() for w in line.removeprefix("tinradar es ").split("|")]
    assert sorted(subcommands) == ["logs", "start", "status", "stop"]
    port = free_port()
    data = ctx.work / "es-own-node"
    env = {**ctx.env, "TINRADAR_DATA_DIR": str(data), "TINRADAR_ES_PORT": str(port)}
    env.pop("TINRADAR_ES_URL")
    own = Ctx(ctx.work, env, data)
    node = LocalNode(Settings(data_dir=data), port=port)  # TINRADAR_ES_ROOT_DIR as the command sees it
    expected = {  # (exit code, text on stderr)
        "start": (0, f"http://127.0.0.1:{port}"),
        "start again": (0, "already running"),
        "status": (0, "Elasticsearch 9."),
        "logs": (0, "tinradar-local"),
        "stop": (0, "stopped"),
        "status after stop": (3, "not running"),
    }
    failures, pid = [], None
    try:
        for step, (code, text) in expected.items():
            proc = _shell(f"tinradar es {step.split()[0]} {'-n 5' if step == 'logs' else ''}", own)
            if proc.returncode != code or text not in proc.stdout + proc.stderr:
                failures.append(
                    f"tinradar es {step} → exit {proc.returncode}, wanted {code} and {text!r}: {proc.stderr[-800:]}"
                )
            if step == "start":
                pid = node.status().pid
            elif step == "start again" and node.status().pid != pid:
                failures.append("a second 'tinradar es start' started another node")
        if pid is not None and pid_alive(pid):
            failures.append("tinradar es stop left the node's process running")
    finally:
        node.stop()
        shutil.rmtree(node.node_dir, ignore_errors=True)
    return failures


def _serve_and_ask(line: str, ctx: Ctx) -> list[str]:
    """Start the server as written (on a free port), wait for its login page, stop it."""
    port = free_port()
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {line}".replace("{port}", str(port))],
        cwd=ctx.work,
        env=ctx.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as resp:
                    if resp.status == 200 and "<form" in resp.read().decode():
                        return []
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        return [f"{line}: no login page on port {port} (exit {proc.poll()})"]
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.mark.slow
def test_every_readme_command_runs(es_settings: Settings, tmp_path: Path) -> None:
    work, data_dir = tmp_path / "work", tmp_path / "data"
    work.mkdir()
    shutil.copy(FIXTURE_SITE / "exports" / "facebook_posts.csv", work / "facebook-export.csv")
    # The board's own tracking sheet, with the column names the README's example maps.
    sheet = (REPO_ROOT / "tests" / "crawlers" / "exports" / "bang_theo_doi.csv").read_text(encoding="utf-8")
    (work / "sheet.csv").write_text(sheet.replace("Thời gian đăng", "Thời gian", 1), encoding="utf-8")
    shutil.copy(FIXTURE_SITE / "tinnhanh" / "suc-khoe" / "song-5g-khong-lay-lan-virus.html", work / "page.html")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TINRADAR_", "PREFECT_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        TINRADAR_DATA_DIR=str(data_dir),
        TINRADAR_ES_URL=es_settings.es_url,
        TINRADAR_ES_INDEX_PREFIX=es_settings.es_index_prefix,
        TINRADAR_AUTOTHROTTLE="false",
    )
    # The two secrets a deployment must set (README "Before production"; tests/conftest.py sets them).
    for key in ("TINRADAR_REVIEW_SECRET", "TINRADAR_AUTHOR_SALT"):
        env[key] = os.environ[key]
    for key in ("TINRADAR_ES_ROOT_DIR", "TINRADAR_ES_SHA512", "TINRADAR_ES_VERSION"):  # a CI from nothing
        if key in os.environ:
            env[key] = os.environ[key]
    failures: list[str] = []
    with serve_fixture_site() as base_url:
        env["TINRADAR_SOURCES_FILE"] = str(_test_registry(base_url, tmp_path / "sources.yaml"))
        ctx = Ctx(work, env, data_dir)
        for line in readme_commands():
            started = time.monotonic()
            how = COMMANDS.get(line)
            if how is None:
                failures.append(f"{line}: unknown to this test")
                continue
            runnable = line
            for old, new in how.replace:
                runnable = runnable.replace(old, new)
            if how.mode == "activate":
                activate = REPO_ROOT / line.removeprefix(". ")
                ok = activate.is_file() and (activate.parent / "tinradar").is_file()
                failures.extend([] if ok else [f"{line}: {activate} or its tinradar is missing"])
            elif how.mode == "es":
                failures.extend(_es_lifecycle(line, ctx))
            elif how.mode == "serve":
                failures.extend(_serve_and_ask(runnable, ctx))
            else:
                runnable = _help_of(runnable) if how.mode == "help" else runnable
                own = Ctx(ctx.work, {**ctx.env, **dict(how.env)}, ctx.data_dir)
                proc = _shell(runnable, own, stdin="mat-khau-rat-dai-1\nmat-khau-rat-dai-1\n")
                if proc.returncode != how.code:
                    failures.append(f"{runnable} → exit {proc.returncode}, wanted {how.code}:\n{proc.stderr[-1500:]}")
                elif how.check is not None:
                    try:
                        how.check(ctx, proc)
                    except AssertionError as exc:
                        failures.append(f"{runnable}: {exc}\n{proc.stderr[-800:]}")
            print(f"{time.monotonic() - started:6.1f} s  {line}")
    assert not failures, "README commands that failed:\n\n" + "\n\n".join(failures)
