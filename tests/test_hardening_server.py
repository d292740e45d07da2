"""The production preset seen from the outside (issue 14): ``python -m ui.serve --production``
is started as a real process on 127.0.0.1 and probed over HTTP and its websocket, as a
reverse proxy or an attacker would: the health endpoint answers, XSRF protection is on, an
upload larger than ``RISK_MAX_UPLOAD_MB`` is refused by the server itself (HTTP 413, with or
without a Content-Length), usage statistics are off, the developer toolbar is hidden, and
everything is logged to the log file."""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

websockets = pytest.importorskip("websockets")

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("serve") / "dashboard.log"
    port = _free_port()
    env = {**os.environ, "RISK_WAREHOUSE": str(demo_db), "RISK_MAX_UPLOAD_MB": str(LIMIT_MB),
           "RISK_LOG_FILE": str(log)}
    proc = subprocess.Popen([sys.executable, "-m", "ui.serve", "--production", "--server.port",
                             str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    base = f"127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("the server did not start: " + log.read_text(errors="replace"))
    yield base, log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _xsrf(base: str) -> str:
    with urllib.request.urlopen(f"http://{base}/_stcore/health", timeout=10) as r:
        cookie = r.headers.get("set-cookie") or ""
    assert cookie.startswith("_streamlit_xsrf="), cookie
    return cookie.split("=", 1)[1].split(";", 1)[0]


async def _session(base: str, token: str):
    """Open a browser-like websocket session; return (websocket, NewSession message)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws = await websockets.connect(
        f"ws://{base}/_stcore/stream", subprotocols=["streamlit", token], max_size=None,
        additional_headers={"Cookie": f"_streamlit_xsrf={token}", "Origin": f"http://{base}"})
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    await ws.send(msg.SerializeToString())
    for _ in range(200):
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), 60))
        if fm.WhichOneof("type") == "new_session":
            return ws, fm.new_session
    raise AssertionError("no new_session message")


def _put(base: str, path: str, body: bytes, headers: dict[str, str], chunked: bool = False):
    host, port = base.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode()
    payload = head + body + f"\r\n--{boundary}--\r\n".encode()
    hdrs = {"Content-Type": f"multipart/form-data; boundary={boundary}", **headers}
    try:
        if chunked:
            conn.putrequest("PUT", path)
            for k, v in {**hdrs, "Transfer-Encoding": "chunked"}.items():
                conn.putheader(k, v)
            conn.endheaders()
            for i in range(0, len(payload), 256 * 1024):
                part = payload[i:i + 256 * 1024]
                conn.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            conn.request("PUT", path, body=payload, headers=hdrs)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close before the whole body is sent
    response = conn.getresponse()
    status, text = response.status, response.read().decode(errors="replace")
    conn.close()
    return status, text


def test_health_endpoint_answers(server):
    base, _log = server
    with urllib.request.urlopen(f"http://{base}/_stcore/health", timeout=10) as r:
        assert r.status == 200 and r.read() == b"ok"


def test_xsrf_on_and_oversized_upload_refused_by_the_server(server):
    base, _log = server
    token = _xsrf(base)

    async def scenario():
        ws, new_session = await _session(base, token)
        try:
            sid = new_session.initialize.session_id
            config = new_session.config
            url = f"/_stcore/upload_file/{sid}/{uuid.uuid4().hex}"
            small = b"unit_id,indicator,period,value\nQZA-001,hate_crimes,2024,3\n"
            cookie = {"Cookie": f"_streamlit_xsrf={token}"}
            no_token = await asyncio.to_thread(_put, base, url, small, cookie)
            with_token = await asyncio.to_thread(_put, base, url, small,
                                                 {**cookie, "X-Xsrftoken": token})
            big = b"x" * (3 * LIMIT_MB * 1024 * 1024)
            too_big = await asyncio.to_thread(_put, base, url, big,
                                              {**cookie, "X-Xsrftoken": token})
            too_big_chunked = await asyncio.to_thread(_put, base, url, big,
                                                      {**cookie, "X-Xsrftoken": token}, True)
            return config, no_token, with_token, too_big, too_big_chunked
        finally:
            await ws.close()

    config, no_token, with_token, too_big, too_big_chunked = asyncio.run(scenario())
    assert no_token[0] == 403 and "XSRF" in no_token[1], no_token  # XSRF protection is on
    assert with_token[0] in (200, 204), with_token  # a small upload with the token is fine
    assert too_big[0] == 413, too_big  # refused by the server (Content-Length)
    assert too_big_chunked[0] == 413, too_big_chunked  # refused while streaming
    assert config.gather_usage_stats is False
    assert config.allow_run_on_save is False
    assert config.toolbar_mode == config.ToolbarMode.VIEWER


def test_everything_goes_to_the_log_file(server):
    _base, log = server
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "production preset:" in text and "--server.maxUploadSize=1" in text
    assert "--server.enableXsrfProtection=true" in text
    assert "--server.fileWatcherType=none" in text
    assert "editor sign-in off (read-only public mode)" in text


def test_preset_options_follow_the_environment():
    from indicators.ops.preset import production_options

    opts = production_options({"RISK_MAX_UPLOAD_MB": "20"})
    assert opts["server.maxUploadSize"] == "20"
    assert opts["server.headless"] == "true" and opts["browser.gatherUsageStats"] == "false"
    assert production_options({"RISK_MAX_UPLOAD_MB": "nonsense"})["server.maxUploadSize"] == "50"
