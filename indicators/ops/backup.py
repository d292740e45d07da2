"""``python -m indicators backup`` and ``restore``: a self-contained, verifiable snapshot.

A backup is a new folder ``<DIR>/<warehouse stem>-<UTC time>/`` holding::

    manifest.json              what is in it: warehouse, schema version, row counts, every import
    SHA256SUMS                 sha256 of every file (``sha256sum -c SHA256SUMS`` verifies it)
    README.txt                 what this is and how to restore it
    warehouse/<name>.duckdb    the warehouse file, copied under the writer lock (a whole version)
    originals/<sha256>/<name>  every user import as its original file (see
                               :mod:`indicators.ingest.originals`)

``restore`` verifies every checksum first and writes nothing when one differs; it then
checks the restored warehouse (:mod:`indicators.ops.check`) before putting it in place. The
time of the last backup is recorded next to the warehouse in ``<warehouse>.last-backup.json``
(the Data page shows it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from indicators.ingest.originals import find_original, keep_original, safe_name
from indicators.publish import _checkpoint_and_close, writer_lock
from indicators.warehouse import table_counts

FORMAT = "atrocity-risk-backup/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
LAST_BACKUP_SUFFIX = ".last-backup.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class BackupResult:
    """What a backup wrote."""

    folder: Path
    files: int
    bytes: int
    imports: int
    originals: int
    missing_originals: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """Readable summary."""
        text = (f"Backup written to {self.folder}: {self.files} files, "
                f"{self.bytes / 2**20:,.1f} MB; {self.imports} user import(s), "
                f"{self.originals} original file(s).")
        if self.missing_originals:
            text += (f"\nNo original file kept for: {', '.join(self.missing_originals)} "
                     "(imported before originals were kept); their data is in the warehouse file.")
        return text + f"\nVerify: cd {self.folder} && sha256sum -c {SUMS}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def last_backup_path(db: Path) -> Path:
    """Where the time of the last backup of ``db`` is recorded."""
    return db.with_name(db.name + LAST_BACKUP_SUFFIX)


def last_backup(db: Path) -> dict[str, Any] | None:
    """``{"at": ISO time, "folder": …, "files": n, "bytes": n}`` of the last backup, or None."""
    try:
        return json.loads(last_backup_path(Path(db)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _user_imports(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = ("import_id", "file_name", "checksum", "kind", "status", "imported_at", "imported_by",
            "rows_landed")
    rows = con.execute(
        f"SELECT {', '.join(cols)} FROM imports WHERE kind <> 'demo' "
        "AND coalesce(imported_by, '') NOT LIKE 'pack %' ORDER BY import_id").fetchall()
    return [{k: (str(v) if k == "imported_at" else v) for k, v in zip(cols, r, strict=True)}
            for r in rows]


def backup(db: Path, out: Path) -> BackupResult:
    """Write a backup of warehouse ``db`` into a new folder under ``out``."""
    db = Path(db)
    if not db.is_file():
        raise BackupError(f"warehouse {db} does not exist; check --db")
    stamp = _now()
    folder = Path(out) / f"{db.stem}-{stamp.strftime('%Y%m%dT%H%M%SZ')}"
    if folder.exists():
        folder = folder.with_name(folder.name + "-" + uuid.uuid4().hex[:4])
    partial = folder.with_name("." + folder.name + ".partial")
    sums: dict[str, str] = {}
    try:
        (partial / "warehouse").mkdir(parents=True)
        wh_copy = partial / "warehouse" / db.name
        with writer_lock(db):  # no import publishes while we copy: one whole version
            if db.with_name(db.name + ".wal").exists():
                _checkpoint_and_close(db)
            shutil.copyfile(db, wh_copy)
        sums[f"warehouse/{db.name}"] = _sha256(wh_copy)
        con = duckdb.connect(str(wh_copy), read_only=True)
        try:
            counts = table_counts(con)
            version = con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            imports = _user_imports(con)
        finally:
            con.close()
        missing: list[str] = []
        kept = 0
        for imp in imports:
            original = find_original(db, imp["checksum"], imp["file_name"])
            imp["original"] = None
            if original is None:
                missing.append(f"import {imp['import_id']} ({imp['file_name']})")
                continue
            rel = f"originals/{imp['checksum']}/{safe_name(imp['file_name'])}"
            target = partial / rel
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(original, target)
                digest = _sha256(target)
                if digest != imp["checksum"]:
                    target.unlink()
                    missing.append(f"import {imp['import_id']} ({imp['file_name']}: the kept "
                                   "original is damaged, its checksum differs)")
                    continue
                sums[rel] = digest
                kept += 1
            imp["original"] = rel
        manifest = {
            "format": FORMAT,
            "created_at": stamp.isoformat(),
            "source": str(db.resolve()),
            "warehouse": {"file": f"warehouse/{db.name}", "sha256": sums[f"warehouse/{db.name}"],
                          "bytes": wh_copy.stat().st_size,
                          "schema_version": version[0] if version else None,
                          "rows": counts},
            "imports": imports,
            "files": sums,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n",
                                        encoding="utf-8")
        (partial / SUMS).write_text("".join(f"{h}  {p}\n" for p, h in sorted(sums.items())),
                                    encoding="utf-8")
        (partial / "README.txt").write_text(_README.format(name=folder.name, db=db.name),
                                            encoding="utf-8")
        os.replace(partial, folder)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"the backup could not be written to {out} ({exc.strerror or exc}); "
                          "nothing was kept — check free space and permissions") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    result = BackupResult(folder, sum(1 for p in folder.rglob("*") if p.is_file()), total,
                          len(imports), kept, missing)
    record = {"at": stamp.isoformat(), "folder": str(folder.resolve()), "files": result.files,
              "bytes": total}
    tmp = last_backup_path(db).with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.replace(tmp, last_backup_path(db))
    except OSError:
        pass  # the backup itself is complete; only the note for the Data page is missing
    return result


_README = """This folder is a backup of the atrocity-risk warehouse {db} ({name}).

manifest.json   what it holds (warehouse, schema version, row counts, every user import)
SHA256SUMS      checksums of every file: verify with `sha256sum -c SHA256SUMS`
warehouse/      the warehouse file (DuckDB), one whole version
originals/      every user import as its original file, by sha256

Restore (verifies every checksum first, then checks the warehouse):
    python -m indicators restore <this folder> --db data/warehouse.duckdb
"""


@dataclass
class RestoreResult:
    """What a restore wrote."""

    db: Path
    files_verified: int
    originals: int
    replaced: Path | None
    check_text: str

    def to_text(self) -> str:
        """Readable summary."""
        text = (f"Restored {self.db} from the backup: {self.files_verified} file(s) verified "
                f"against their checksums, {self.originals} original import file(s) put back.")
        if self.replaced is not None:
            text += f"\nThe previous warehouse was kept as {self.replaced}."
        return text + "\n" + self.check_text


def find_backup(folder: Path) -> Path:
    """The backup in ``folder`` (a backup folder itself, or the newest one inside it)."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return folder
    candidates = sorted(p.parent for p in folder.glob(f"*/{MANIFEST}")) if folder.is_dir() else []
    if not candidates:
        raise BackupError(f"{folder} holds no backup (no {MANIFEST}); give the folder that "
                          "`python -m indicators backup` printed")
    return max(candidates, key=lambda p: p.name)


def verify_backup(folder: Path) -> dict[str, Any]:
    """Read the manifest and verify every file's checksum; :class:`BackupError` on a mismatch."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read ({exc}); the backup is damaged") \
            from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is not a backup of this program (format "
                          f"{manifest.get('format')!r}, expected {FORMAT!r})")
    bad = []
    for rel, expected in manifest.get("files", {}).items():
        path = folder / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            bad.append(f"{rel} (unsafe path)")
        elif not path.is_file():
            bad.append(f"{rel} (missing)")
        elif _sha256(path) != expected:
            bad.append(f"{rel} (checksum differs: the file was changed or damaged)")
    if manifest.get("warehouse", {}).get("file") not in manifest.get("files", {}):
        bad.append("the warehouse file is not listed")
    if bad:
        raise BackupError("the backup does not verify; nothing was restored: " + "; ".join(bad))
    return manifest


def restore(source: Path, db: Path, *, force: bool = False) -> RestoreResult:
    """Verify the backup in ``source`` and make it the warehouse ``db`` (with its originals)."""
    from indicators.ops.check import check_warehouse

    folder = find_backup(Path(source))
    manifest = verify_backup(folder)
    db = Path(db)
    if db.exists() and not force:
        raise BackupError(f"{db} already exists; restore into a new --db path, or add --force "
                          "to replace it (the current file is kept beside it)")
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".{db.name}.restore-{uuid.uuid4().hex[:8]}")
    try:
        shutil.copyfile(folder / manifest["warehouse"]["file"], tmp)
        if _sha256(tmp) != manifest["warehouse"]["sha256"]:
            raise BackupError("the warehouse file changed while it was copied; nothing was "
                              "restored — try again")
        report = check_warehouse(tmp)
        if not report.ok:
            raise BackupError("the warehouse in the backup fails the integrity check; nothing "
                              "was restored:\n" + report.to_text())
        originals = 0
        for imp in manifest.get("imports", []):
            if imp.get("original"):
                keep_original(db, folder / imp["original"], imp["checksum"], imp["file_name"])
                originals += 1
        replaced = None
        with writer_lock(db):
            if db.exists():
                replaced = db.with_name(f"{db.name}.before-restore-"
                                        f"{_now().strftime('%Y%m%dT%H%M%SZ')}")
                os.replace(db, replaced)
            os.replace(tmp, db)
    except OSError as exc:
        raise BackupError(f"the warehouse could not be written to {db} "
                          f"({exc.strerror or exc}); check free space and permissions") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return RestoreResult(db, len(manifest.get("files", {})), originals, replaced,
                         check_warehouse(db).to_text())
