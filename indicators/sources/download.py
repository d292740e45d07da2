"""Fetch source files: a download cache with checksums, retries and resume, or a local mirror.

A :class:`Resource` names one file: where it lives on the internet (``url``), where it lives in
a mirror folder laid out like ``shared/data`` (``mirror``), and, when known, its sha256 and
size. :class:`Fetcher` turns a resource into a local path:

* with a **mirror** folder, the file is read from there (checksum verified when pinned); a
  file missing from the mirror is :class:`NotAvailable` and nothing is downloaded;
* otherwise the file comes from the **cache** (``data/cache/`` by default) or is
  **downloaded** into it: progress bar (tqdm, on stderr), connect/read timeouts, retries with
  exponential back-off, resumption of an interrupted transfer with an HTTP ``Range`` request,
  and sha256 verification.

The cache never holds a corrupt file: bytes go to ``<name>.part`` and become ``<name>`` only
after the whole file arrived and its checksum matched. A checksum mismatch deletes the
partial file; an interrupted or timed-out transfer keeps it so the next run resumes it.
Errors are :class:`DownloadError` subclasses whose message says what happened, to which URL,
and what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

DEFAULT_CACHE = Path(__file__).resolve().parents[2] / "data" / "cache"
#: (connect, read) timeouts in seconds.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)
DEFAULT_RETRIES = 3
CHUNK = 1 << 16
USER_AGENT = "atrocity-risk-dashboard/0.1 (+open-source; real-data pack)"


class DownloadError(RuntimeError):
    """A file could not be had; the message says why and what to do."""


class ChecksumError(DownloadError):
    """The bytes received (or found in the mirror) do not have the pinned sha256."""


class NotAvailable(DownloadError):
    """The server answered 404/410, or the mirror folder lacks the file."""


class Offline(DownloadError):
    """The host cannot be reached at all (no internet, DNS failure, connection refused)."""


@dataclass(frozen=True)
class Resource:
    """One file of a source: URL, path in a mirror folder, pinned sha256/size when known."""

    key: str  #: cache path relative to the cache folder, e.g. ``geoboundaries/x.geojson``
    url: str | None = None
    mirror: str | None = None  #: path relative to a mirror folder laid out like shared/data
    sha256: str | None = None
    size: int | None = None
    title: str = ""

    @property
    def name(self) -> str:
        """The file name (last part of the cache key)."""
        return self.key.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Fetched:
    """A resource available locally."""

    resource: Resource
    path: Path
    sha256: str
    origin: str  #: ``mirror`` | ``cache`` | ``download``
    pinned: bool  #: True when the checksum was verified against a pinned value

    @property
    def where(self) -> str:
        """Human description of where the bytes came from."""
        if self.origin == "mirror":
            return f"mirror {self.path}"
        return f"{self.resource.url} ({self.origin})"


def sha256_file(path: Path) -> str:
    """sha256 (hex) of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _offline_cause(exc: BaseException) -> bool:
    """True when a requests error means the host cannot be reached at all."""
    text = repr(exc)
    markers = ("NameResolutionError", "Failed to resolve", "Name or service not known",
               "Temporary failure in name resolution", "NewConnectionError",
               "Connection refused", "Network is unreachable", "No route to host")
    return isinstance(exc, requests.ConnectionError) and not isinstance(
        exc, requests.exceptions.ReadTimeout
    ) and any(m in text for m in markers)


class Fetcher:
    """Resolve :class:`Resource` objects to local files (mirror, cache or download)."""

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        mirror: str | os.PathLike[str] | None = None,
        timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = 1.0,
        progress: bool = True,
        session: requests.Session | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else DEFAULT_CACHE
        self.mirror = Path(mirror) if mirror else None
        if self.mirror is not None and not self.mirror.is_dir():
            raise DownloadError(
                f"the mirror folder {self.mirror} does not exist; give a folder laid out like "
                "shared/data (e.g. --mirror ../shared/data)"
            )
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.progress = progress
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)

    # ------------------------------------------------------------------ public

    def get(self, res: Resource) -> Fetched:
        """The resource as a local file; raises a :class:`DownloadError` subclass."""
        if self.mirror is not None:
            return self._from_mirror(res)
        if not res.url:
            raise NotAvailable(
                f"{res.title or res.name}: there is no public download URL for this file; "
                "use --mirror DIR with a folder that holds it"
            )
        final = self.cache_dir / res.key
        if final.exists():
            digest = sha256_file(final)
            if res.sha256 is None or digest == res.sha256:
                return Fetched(res, final, digest, "cache", res.sha256 is not None)
            final.unlink()  # corrupt or outdated cache entry: fetch again
        return self._download(res, final)

    # ------------------------------------------------------------------ mirror

    def _from_mirror(self, res: Resource) -> Fetched:
        assert self.mirror is not None
        if not res.mirror:
            raise NotAvailable(f"{res.title or res.name}: no mirror path is defined for it")
        path = self.mirror / res.mirror
        if not path.is_file():
            raise NotAvailable(f"{res.title or res.name}: not in the mirror ({path} is missing)")
        digest = sha256_file(path)
        if res.sha256 is not None and digest != res.sha256:
            raise ChecksumError(
                f"{path}: sha256 {digest[:12]}… differs from the pinned {res.sha256[:12]}…; "
                "the mirror copy is not the expected release — replace it"
            )
        return Fetched(res, path, digest, "mirror", res.sha256 is not None)

    # ------------------------------------------------------------------ download

    def _download(self, res: Resource, final: Path) -> Fetched:
        assert res.url is not None
        final.parent.mkdir(parents=True, exist_ok=True)
        part = final.with_name(final.name + ".part")
        attempt = 0
        while True:
            try:
                self._transfer(res, part)
                break
            except (NotAvailable, ChecksumError):
                raise
            except (requests.RequestException, _Incomplete, OSError) as exc:
                attempt += 1
                if attempt > self.retries or (_offline_cause(exc) and attempt > 1):
                    raise self._give_up(res, part, exc) from None
                time.sleep(self.backoff * 2 ** (attempt - 1))
        digest = sha256_file(part)
        if res.sha256 is not None and digest != res.sha256:
            part.unlink(missing_ok=True)
            raise ChecksumError(
                f"{res.url}: the downloaded file has sha256 {digest[:12]}… but "
                f"{res.sha256[:12]}… was expected; it was deleted. The server may hold a "
                "different release: check the source's version, or update the pinned checksum"
            )
        size = part.stat().st_size
        if res.size is not None and size != res.size:
            part.unlink(missing_ok=True)
            raise ChecksumError(
                f"{res.url}: {size} bytes received but {res.size} expected; the file was deleted"
            )
        os.replace(part, final)
        meta = {"url": res.url, "sha256": digest, "size": size,
                "retrieved": datetime.now(UTC).isoformat(timespec="seconds")}
        final.with_name(final.name + ".json").write_text(json.dumps(meta, indent=1))
        return Fetched(res, final, digest, "download", res.sha256 is not None)

    def _give_up(self, res: Resource, part: Path, exc: BaseException) -> DownloadError:
        kept = part.stat().st_size if part.exists() else 0
        resume = (f"; {kept:,} bytes are kept in {part} and the next run resumes from there"
                  if kept else "")
        if _offline_cause(exc):
            host = requests.utils.urlparse(res.url).hostname
            return Offline(
                f"cannot reach {host} ({type(exc).__name__}); there seems to be no internet "
                "connection"
            )
        if isinstance(exc, requests.Timeout | requests.exceptions.ReadTimeout) or "timed out" in str(exc):
            why = "the server did not answer in time"
        elif isinstance(exc, _Incomplete | requests.exceptions.ChunkedEncodingError):
            why = "the transfer was interrupted"
        else:
            why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
        return DownloadError(
            f"{res.url}: {why} ({self.retries + 1} attempts){resume}. Try again later, raise "
            "the timeout, or use --mirror DIR"
        )

    def _transfer(self, res: Resource, part: Path) -> None:
        """One attempt: (re)start or resume into ``part``; raises on any failure."""
        assert res.url is not None
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        with self.session.get(res.url, stream=True, timeout=self.timeout, headers=headers) as resp:
            if resp.status_code in (404, 410):
                part.unlink(missing_ok=True)
                raise NotAvailable(
                    f"{res.url}: the server answered {resp.status_code} (not found); the file "
                    "may have moved — check the source's page for the current URL"
                )
            if resp.status_code == 416 and offset:
                return  # the partial file is already complete; verified by the caller
            if resp.status_code >= 400:
                err = requests.HTTPError(f"HTTP {resp.status_code} {resp.reason}", response=resp)
                if resp.status_code >= 500 or resp.status_code == 429:
                    raise err  # retried
                part.unlink(missing_ok=True)
                raise DownloadError(f"{res.url}: the server answered {resp.status_code} "
                                    f"{resp.reason}")
            resumed = resp.status_code == 206 and offset > 0
            if not resumed:
                offset = 0
            length = resp.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            total = offset + expected if expected is not None else res.size
            received = 0
            bar = _progress(res, total, offset, self.progress)
            try:
                with open(part, "ab" if resumed else "wb") as out:
                    for chunk in resp.iter_content(CHUNK):
                        out.write(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
            finally:
                bar.close()
            if expected is not None and received < expected:
                raise _Incomplete(f"{received} of {expected} bytes")


class _Incomplete(Exception):
    """Fewer bytes arrived than the server announced."""


def _progress(res: Resource, total: int | None, initial: int, enabled: bool):  # noqa: ANN202
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                desc=res.name[:40], disable=not enabled, file=sys.stderr, leave=False)
