"""Start, pin, wait for and stop the two uvicorn servers, each in its own process."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seed import settings_for

READY_TIMEOUT = 60.0  # seconds a server may take to answer its first request
SCRIPT = Path(__file__).resolve().with_name("pages.py")  # started with --serve forum|bare


def serve_forum(database_url: str, port: int) -> None:
    import uvicorn

    from forum.app import create_app

    pin_self("BENCH_SERVER_CPU")
    settings = settings_for(
        database_url, os.environ["BENCH_SECRET_KEY"], base_url=f"http://127.0.0.1:{port}"
    )
    uvicorn.run(create_app(settings), **uvicorn_options(port))


def serve_bare(html_file: str, port: int) -> None:
    """Serve the saved page through a Jinja2 template, with no database and no middleware."""
    import gc
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    import uvicorn
    from jinja2 import DictLoader, Environment
    from markupsafe import Markup
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from starlette.templating import Jinja2Templates

    pin_self("BENCH_SERVER_CPU")
    environment = Environment(
        loader=DictLoader({"page.html": "{{ page }}"}), autoescape=True, auto_reload=False
    )
    templates = Jinja2Templates(env=environment)
    page = Markup(Path(html_file).read_text(encoding="utf-8"))

    async def bare(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html", {"page": page})

    # Every page saved beside it, by name: /bytes/question, /bytes/discussion, /bytes/home.
    saved = {path.stem: path.read_bytes() for path in Path(html_file).parent.glob("*.html")}

    async def ceiling(request: Request) -> Response:
        """A page's bytes with no template at all: the most that page could be served at."""
        return Response(saved[request.path_params["name"]], media_type="text/html; charset=utf-8")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gc.collect()  # as the forum does at start-up
        gc.freeze()
        yield

    app = Starlette(routes=[Route("/", bare), Route("/bytes/{name}", ceiling)], lifespan=lifespan)
    uvicorn.run(app, **uvicorn_options(port))


def versions(loader: str) -> list[str]:
    import sqlalchemy
    import starlette
    import uvicorn

    loop, http = event_loop_and_parser()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    lines = [
        f"machine: {platform.machine()} {platform.system()} {platform.release()}, "
        f"os.cpu_count()={os.cpu_count()}, usable CPUs={usable}",
        f"python {platform.python_version()}, uvicorn {uvicorn.__version__} ({loop}, {http}), "
        f"starlette {starlette.__version__}, sqlalchemy {sqlalchemy.__version__}",
    ]
    if loader == "wrk":
        done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        first = (done.stdout or done.stderr or "wrk").splitlines()[0]
        lines.append(f"load generator: {first.split(' Copyright')[0]}")
    else:
        import httpx

        lines.append(f"load generator: bounded Python loader (httpx {httpx.__version__})")
    return lines


def event_loop_and_parser() -> tuple[str, str]:
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    try:
        import httptools  # noqa: F401

        http = "httptools"
    except ImportError:
        http = "h11"
    return loop, http


def uvicorn_options(port: int) -> dict[str, Any]:
    loop, http = event_loop_and_parser()
    return {
        "host": "127.0.0.1",
        "port": port,
        "workers": None,
        "log_level": "warning",
        "access_log": False,
        "loop": loop,
        "http": http,
        "lifespan": "on",
        "proxy_headers": False,
    }


def pin_self(variable: str) -> None:
    cpus = os.environ.get(variable)
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})


def cpu_plan() -> tuple[set[int] | None, set[int] | None]:
    """One core for the server, the others for the load generator (when there are two+)."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return ""


def start_server(
    name: str, args: list[str], workdir: Path, server_cpus: set[int] | None, secret_key: str
) -> Server:
    port = free_port()
    log = workdir / f"{name}.log"
    env = dict(os.environ, BENCH_SECRET_KEY=secret_key, PYTHONUNBUFFERED="1")
    if server_cpus:
        env["BENCH_SERVER_CPU"] = ",".join(str(cpu) for cpu in sorted(server_cpus))
    command = [sys.executable, str(SCRIPT), "--serve", name, "--port", str(port), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    return Server(name, process, port, log)


def wait_ready(server: Server, path: str) -> None:
    import httpx

    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"bench: the {server.name} server exited:\n{server.log_tail()}")
        try:
            if httpx.get(server.base + path, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"bench: the {server.name} server did not answer in {READY_TIMEOUT:.0f} s")


def wait_idle(server: Server, limit: float = 15.0) -> None:
    """Wait until the server has finished the requests still queued when the load stopped."""
    stat = Path(f"/proc/{server.process.pid}/stat")

    def cpu_ticks() -> int:
        fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    try:
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        deadline = time.monotonic() + limit
        previous = cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            current = cpu_ticks()
            if (current - previous) / ticks_per_second < 0.25 * 0.05:  # under 5 % of a CPU
                return
            previous = current
    except (OSError, ValueError, IndexError):
        time.sleep(2.0)  # no /proc: give the backlog a moment


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
