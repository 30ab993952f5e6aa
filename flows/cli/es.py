"""``tinradar es start|stop|status|logs``: the local Elasticsearch node; ``es roles``: roles for a real cluster."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from flows.cli.common import ExitCode, console, fail, load_settings, out

if TYPE_CHECKING:
    from index.node import LocalNode

es_app = typer.Typer(
    help="Nút Elasticsearch cục bộ (dev/demo/test) / the local Elasticsearch node.", no_args_is_help=True
)


def _node(port: int | None) -> LocalNode:
    from index.node import LocalNode

    return LocalNode(load_settings(), port=port)


def _start_cluster(nodes: int, port: int | None) -> None:
    from index.errors import NodeError
    from index.node import LocalCluster

    cluster = LocalCluster(load_settings(), nodes=nodes, port=port)
    try:
        with console.status(f"Đang khởi động cụm {nodes} nút / starting a {nodes}-node cluster…"):
            cluster.start()
            health = cluster.wait_for("yellow")
    except NodeError as exc:
        cluster.stop()
        fail(str(exc), hint=getattr(exc, "hint", ""))
    console.print(
        f"[green]Cụm Elasticsearch sẵn sàng / cluster ready[/] ({health.get('status')}, "
        f"{health.get('number_of_nodes')} nút / nodes): {', '.join(cluster.urls)}"
    )
    out.print(",".join(cluster.urls))


@es_app.command()
def start(
    port: int = typer.Option(None, help="HTTP port (default TINRADAR_ES_PORT or 9200)"),
    nodes: int = typer.Option(
        1, "--nodes", min=1, max=9, help="Nodes on 127.0.0.1 forming one cluster (256m heap each)"
    ),
) -> None:
    """Tải (lần đầu) và khởi động nút / fetch (once) and start the node; a second start reuses it.

    ``--nodes 3``: a local three-node cluster (ports PORT, PORT+1, PORT+2) for tests and demos
    of replicas and of a node lost mid-run; ``tinradar es stop`` stops every node."""
    from index.errors import NodeError

    if nodes > 1:
        _start_cluster(nodes, port)
        return
    node = _node(port)
    before = node.status()
    if before.running:
        console.print(f"[green]Elasticsearch đã chạy sẵn / already running[/] at {before.url} (pid {before.pid})")
        out.print(before.url)
        return
    try:
        with console.status("Đang khởi động Elasticsearch / starting Elasticsearch…"):
            status = node.start()
    except NodeError as exc:
        fail(str(exc), hint=exc.hint)
    console.print(f"[green]Elasticsearch {status.version} sẵn sàng / ready[/] ({status.health}) at {status.url}")
    out.print(status.url)


@es_app.command()
def stop(port: int = typer.Option(None, help="HTTP port the node was started on")) -> None:
    """Dừng nút / stop the node (and every node of a local cluster) cleanly."""
    from index.node import LocalCluster

    settings = load_settings()
    if (settings.data_dir / "es-cluster" / "cluster.json").is_file():
        stopped = LocalCluster(settings).stop()
        console.print(f"[green]Đã dừng {stopped} nút của cụm / stopped {stopped} cluster nodes.[/]")
    node = _node(port)
    if node.stop():
        console.print("[green]Đã dừng Elasticsearch / stopped.[/]")
    else:
        console.print("Không có nút nào đang chạy / no node was running.")


@es_app.command()
def status(port: int = typer.Option(None, help="HTTP port of the node")) -> None:
    """Trạng thái, phiên bản và sức khỏe / status, version and health. Exit 3 when not running (a service
    is down, as in the exit-code table every command keeps)."""
    st = _node(port).status()
    if not st.running:
        console.print(
            f"[yellow]Elasticsearch không chạy / not running[/] (expected at {st.url}). Start it: tinradar es start"
        )
        raise typer.Exit(ExitCode.UNAVAILABLE)
    colour = {"green": "green", "yellow": "yellow"}.get(st.health or "", "red")
    console.print(
        f"Elasticsearch {st.version} at {st.url} — health [{colour}]{st.health}[/] — pid {st.pid} — data {st.node_dir}"
    )


@es_app.command()
def logs(
    lines: int = typer.Option(50, "--lines", "-n", help="How many lines"),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines"),
    port: int = typer.Option(None, help="HTTP port of the node"),
) -> None:
    """Các dòng log cuối / the node's last log lines."""
    node = _node(port)
    out.print(node.tail(lines), markup=False)
    if follow:
        try:
            for line in node.follow():
                out.print(line, markup=False)
        except KeyboardInterrupt:
            pass


@es_app.command()
def roles() -> None:
    """Vai trò tối thiểu cho cụm thật (JSON) / least-privilege roles for a production cluster.

    Prints {name: body} for the configured prefix; create each with PUT _security/role/<name>.
    """
    import json

    from index.roles import roles as role_bodies

    out.print(json.dumps(role_bodies(load_settings()), ensure_ascii=False, indent=2), markup=False)


def register(app: typer.Typer) -> None:
    """Add ``tinradar es …``."""
    app.add_typer(es_app, name="es")
