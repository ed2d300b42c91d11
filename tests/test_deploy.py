"""docs/deploy.md, run for real: PostGIS primary and standby, two gunicorn workers, nginx.

The workers and the proxy use the files in docs/deploy/ with only their ports and
folders changed; every request goes through nginx on a local port.
"""

from __future__ import annotations

import http.cookiejar
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.conftest import postgis_schemas, postgres_dsn, schema_url
from tests.incident_samples import samples
from tests.web_support import TOKEN

ROOT = Path(__file__).parent.parent
DEPLOY = ROOT / "docs" / "deploy"
WAIT = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _need(program: str) -> str:
    found = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin")
    if found is None:
        message = f"{program} is not installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def nginx_config(folder: Path, proxy: int, workers: list[int]) -> Path:
    """docs/deploy/nginx.conf with this test's ports, and its files in ``folder``."""
    text = (DEPLOY / "nginx.conf").read_text()
    replacements = {"127.0.0.1:8001": f"127.0.0.1:{workers[0]}",
                    "127.0.0.1:8002": f"127.0.0.1:{workers[1]}",
                    "127.0.0.1:8080": f"127.0.0.1:{proxy}",
                    "/run/geomap-nginx.pid": str(folder / "nginx.pid"),
                    "/var/log/nginx/": f"{folder}/",
                    "http {\n": "http {\n" + "".join(
                        f"    {kind}_temp_path {folder}/{kind};\n"
                        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))}
    for old, new in replacements.items():
        assert old in text, f"docs/deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


def wait_until_answering(url: str, processes: list[subprocess.Popen]) -> None:
    """Poll ``url`` until it answers 200 (bounded; fails when a process died)."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        for process in processes:
            assert process.poll() is None, f"{process.args[:3]} exited with {process.returncode}"
        assert time.monotonic() < deadline, f"{url} did not answer"
        time.sleep(0.2)


@pytest.fixture
def deployment(gazetteer_path) -> Iterator[dict]:
    """The recipe running: (proxy URL, the worker processes and ports)."""
    nginx = _need("nginx")
    _need("gunicorn")
    primary, standby = postgres_dsn(), postgres_dsn("GEOMAP_TEST_POSTGRES_STANDBY_DSN")
    folder = Path(tempfile.mkdtemp(prefix="geomap-deploy-", dir="/tmp"))
    folder.chmod(0o755)
    processes: list[subprocess.Popen] = []
    try:
        with postgis_schemas(primary) as location:
            url = location("deployed")
            schema = url.rsplit("search_path%3D", 1)[1].split(",")[0]
            ports, proxy = [_free_port(), _free_port()], _free_port()
            for port in ports:
                env = {**os.environ, "GEOMAP_DB": url,
                       "GEOMAP_DB_READ": schema_url(standby, schema),
                       "GEOMAP_API_TOKEN": TOKEN, "GEOMAP_GAZETTEER_DB": str(gazetteer_path),
                       "GEOMAP_DRAFTS_PUBLIC": "1", "GEOMAP_SECRET_KEY": "deploy test key",
                       "GEOMAP_BIND": f"127.0.0.1:{port}"}
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
                     "geomap.web:create_app()"], env=env, cwd=ROOT,
                    stdout=subprocess.DEVNULL, stderr=(folder / f"gunicorn-{port}.log").open("w")))
            for port in ports:
                wait_until_answering(f"http://127.0.0.1:{port}/api/layers/incidents/features",
                                     processes)
            config = nginx_config(folder, proxy, ports)
            processes.append(subprocess.Popen([nginx, "-c", str(config), "-p", str(folder),
                                               "-g", "daemon off;"],
                                              stderr=(folder / "nginx.log").open("w")))
            base = f"http://127.0.0.1:{proxy}"
            wait_until_answering(f"{base}/api/layers/incidents/features", processes)
            yield {"base": base, "workers": processes[:2], "ports": ports}
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def request(opener, url: str, body: dict | None = None, token: bool = False):
    """(status, headers, body) of one request through an opener that keeps cookies."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {TOKEN}"
    data = None if body is None else orjson.dumps(body)
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers),
                         timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_recipe_serves_writes_and_reads_through_the_proxy(deployment):
    base = deployment["base"]
    analyst = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(
        http.cookiejar.CookieJar()))
    viewer = urllib.request.build_opener()
    status, headers, body = request(analyst, f"{base}/api/incidents",
                                    samples()["green_village"], token=True)
    assert status == 201, body
    incident_id = orjson.loads(body)["id"]
    assert "geomap_written=" in headers["Set-Cookie"]

    upstreams = set()
    for _ in range(8):  # the analyst sees the new incident on whichever worker answers
        status, headers, body = request(analyst, f"{base}/api/incidents/{incident_id}")
        assert status == 200 and orjson.loads(body)["id"] == incident_id
        upstreams.add(headers["X-Geomap-Upstream"])
    assert upstreams == {f"127.0.0.1:{port}" for port in deployment["ports"]}

    deadline = time.monotonic() + WAIT  # a viewer sees it once the standby replays it
    while request(viewer, f"{base}/api/incidents/{incident_id}")[0] != 200:
        assert time.monotonic() < deadline, "the standby never served the new incident"
        time.sleep(0.1)
    status, _, body = request(viewer, f"{base}/api/layers/incidents/features?bbox=40,34,41.5,36")
    assert status == 200 and orjson.loads(body)["numberMatched"] == 1

    refused = request(viewer, f"{base}/api/incidents", samples()["mosul_ied"])
    assert refused[0] == 401 and orjson.loads(refused[2])["status"] == 401


def test_the_proxy_keeps_serving_when_one_worker_stops(deployment):
    base = deployment["base"]
    first = deployment["workers"][0]
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=WAIT)
    for _ in range(6):
        status, headers, _ = request(urllib.request.build_opener(),
                                     f"{base}/api/layers/incidents/features?limit=1")
        assert status == 200
        assert headers["X-Geomap-Upstream"].endswith(f":{deployment['ports'][1]}")
