"""The downloader against a real HTTP server on 127.0.0.1 serving copies of mirror files.

Covers: download with checksum verification and cache reuse, a checksum mismatch, a 404, a
timeout, an interrupted transfer that resumes with an HTTP Range request, an interrupted
transfer that gives up (no corrupt cache, the partial bytes kept for resuming), mirror reads,
and "no internet" (connection refused) — each a clear error and never a corrupt cache entry.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from indicators.sources.download import (
    ChecksumError,
    DownloadError,
    Fetcher,
    NotAvailable,
    Offline,
    Resource,
)

REPO = Path(__file__).resolve().parents[1]
MIRROR = REPO.parent / "shared" / "data"
FILES = (
    "geoboundaries/geoBoundaries-MNE-ADM1_simplified.geojson",
    "geoboundaries/geoBoundaries-XKX-ADM2_simplified.geojson",
)

pytestmark = pytest.mark.skipif(
    not MIRROR.is_dir(), reason=f"the shared data mirror {MIRROR} is absent"
)


class _Handler(BaseHTTPRequestHandler):
    """/files/X serves X (Range supported); /flaky/X cuts the first response in half;
    /broken/X always cuts it; /slow/X answers after a delay; anything else is 404."""

    root: Path
    log: list[tuple[str, str | None]]
    seen: set[str]
    delay = 1.5

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.log.append((self.path, self.headers.get("Range")))
        mode, _, rel = self.path.lstrip("/").partition("/")
        target = self.root / rel
        if mode not in ("files", "flaky", "broken", "slow") or not target.is_file():
            self.send_error(404, "Not Found")
            return
        if mode == "slow":
            time.sleep(self.delay)
        data = target.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        cut = mode == "broken" or (mode == "flaky" and self.path not in self.seen)
        self.seen.add(self.path)
        if rng and rng.startswith("bytes=") and mode != "broken":
            start = int(rng[6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        try:
            if cut:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture()
def server(tmp_path: Path):
    """A threaded HTTP server on 127.0.0.1 serving a tmp copy of a few mirror files."""
    root = tmp_path / "www"
    for rel in FILES:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(MIRROR / rel, dest)
    handler = type("H", (_Handler,), {"root": root, "log": [], "seen": set()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield base, root, handler.log
    finally:
        httpd.shutdown()
        httpd.server_close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fetcher(tmp_path: Path, **kw) -> Fetcher:
    kw.setdefault("retries", 2)
    kw.setdefault("backoff", 0.0)
    kw.setdefault("timeout", (2.0, 5.0))
    kw.setdefault("progress", False)
    return Fetcher(tmp_path / "cache", **kw)


def _res(base: str, mode: str, rel: str = FILES[0], **kw) -> Resource:
    return Resource(key=f"test/{Path(rel).name}", url=f"{base}/{mode}/{rel}", **kw)


def test_download_verifies_checksum_and_reuses_the_cache(server, tmp_path):
    base, root, log = server
    sha = _sha(root / FILES[0])
    fetcher = _fetcher(tmp_path, progress=True)  # progress bars on stderr must not break it
    got = fetcher.get(_res(base, "files", sha256=sha))
    assert got.origin == "download" and got.pinned and got.sha256 == sha
    assert got.path.read_bytes() == (root / FILES[0]).read_bytes()
    assert got.path.with_name(got.path.name + ".json").is_file()  # url, sha256, date
    n = len(log)
    again = fetcher.get(_res(base, "files", sha256=sha))
    assert again.origin == "cache" and again.path == got.path
    assert len(log) == n  # the server was not asked again


def test_checksum_mismatch_is_a_clear_error_and_leaves_no_file(server, tmp_path):
    base, _root, _log = server
    fetcher = _fetcher(tmp_path)
    with pytest.raises(ChecksumError) as err:
        fetcher.get(_res(base, "files", sha256="0" * 64))
    assert "sha256" in str(err.value) and "deleted" in str(err.value)
    assert not any((tmp_path / "cache").rglob("*.geojson*"))  # neither the file nor a .part


def test_404_is_not_available_and_not_retried(server, tmp_path):
    base, _root, log = server
    fetcher = _fetcher(tmp_path, retries=3)
    with pytest.raises(NotAvailable) as err:
        fetcher.get(_res(base, "files", "geoboundaries/nothing-here.geojson"))
    assert "404" in str(err.value)
    assert len([p for p, _ in log if "nothing-here" in p]) == 1
    assert not any((tmp_path / "cache").rglob("*nothing*"))


def test_timeout_is_a_clear_error_after_the_retries(server, tmp_path):
    base, _root, log = server
    fetcher = _fetcher(tmp_path, retries=1, timeout=(2.0, 0.3))
    t0 = time.perf_counter()
    with pytest.raises(DownloadError) as err:
        fetcher.get(_res(base, "slow"))
    assert "did not answer in time" in str(err.value) and "2 attempts" in str(err.value)
    assert time.perf_counter() - t0 < 10
    assert len([p for p, _ in log if p.startswith("/slow/")]) == 2
    assert not (tmp_path / "cache" / "test" / Path(FILES[0]).name).exists()


def test_interrupted_transfer_resumes_with_a_range_request(server, tmp_path):
    base, root, log = server
    sha = _sha(root / FILES[1])
    fetcher = _fetcher(tmp_path)
    got = fetcher.get(_res(base, "flaky", FILES[1], sha256=sha))
    assert got.sha256 == sha
    assert got.path.read_bytes() == (root / FILES[1]).read_bytes()
    ranges = [r for p, r in log if p.startswith("/flaky/")]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")
    assert int(ranges[1][6:].rstrip("-")) > 0  # resumed, not restarted
    assert not got.path.with_name(got.path.name + ".part").exists()


def test_interrupted_for_good_keeps_no_corrupt_cache_and_resumes_later(server, tmp_path):
    base, root, _log = server
    sha = _sha(root / FILES[1])
    fetcher = _fetcher(tmp_path, retries=1)
    with pytest.raises(DownloadError) as err:
        fetcher.get(_res(base, "broken", FILES[1], sha256=sha))
    assert "interrupted" in str(err.value) and "resumes" in str(err.value)
    final = tmp_path / "cache" / "test" / Path(FILES[1]).name
    part = final.with_name(final.name + ".part")
    assert not final.exists()  # never a corrupt cache entry
    assert 0 < part.stat().st_size < (root / FILES[1]).stat().st_size
    # the server is fine again: the next run resumes the partial file and verifies it
    got = fetcher.get(_res(base, "files", FILES[1], sha256=sha))
    assert got.path == final and _sha(final) == sha and not part.exists()


def test_a_corrupt_cache_entry_is_fetched_again(server, tmp_path):
    base, root, _log = server
    sha = _sha(root / FILES[0])
    final = tmp_path / "cache" / "test" / Path(FILES[0]).name
    final.parent.mkdir(parents=True)
    final.write_bytes(b"{ truncated")
    got = _fetcher(tmp_path).get(_res(base, "files", sha256=sha))
    assert got.origin == "download" and _sha(got.path) == sha


def test_connection_refused_means_offline(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fetcher = _fetcher(tmp_path, retries=3)
    with pytest.raises(Offline) as err:
        fetcher.get(Resource(key="x/y.json", url=f"http://127.0.0.1:{port}/y.json"))
    assert "cannot reach 127.0.0.1" in str(err.value) and "internet" in str(err.value)
    assert not any((tmp_path / "cache").rglob("y.json*"))


def test_mirror_reads_files_in_place_and_checks_them(tmp_path):
    sha = _sha(MIRROR / FILES[0])
    fetcher = Fetcher(tmp_path / "cache", mirror=MIRROR, progress=False)
    got = fetcher.get(Resource(key="k/a.geojson", url="http://unused.invalid/a", mirror=FILES[0],
                               sha256=sha))
    assert got.origin == "mirror" and got.path == MIRROR / FILES[0] and got.pinned
    with pytest.raises(ChecksumError):
        fetcher.get(Resource(key="k/a.geojson", mirror=FILES[0], sha256="1" * 64))
    with pytest.raises(NotAvailable) as err:
        fetcher.get(Resource(key="k/b.geojson", url="http://unused.invalid/b",
                             mirror="geoboundaries/missing.geojson"))
    assert "not in the mirror" in str(err.value)
    assert not (tmp_path / "cache").exists()  # a mirror never downloads nor caches
    with pytest.raises(DownloadError, match="does not exist"):
        Fetcher(tmp_path / "cache", mirror=tmp_path / "no-such-folder")
