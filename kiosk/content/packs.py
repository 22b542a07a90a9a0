"""Content packs: a zip of a content folder with a manifest, for moving content between kiosks.

`manifest.json` records the pack format, when it was made, its languages and the SHA-256 of every file. A pack is
refused, with one clear message, before anything is imported if: it is not a zip; the manifest is missing, broken
or from a newer format; a path points outside the pack; a file is missing, extra, or does not match its
checksum; or it is too big. Content problems are then reported like any folder's.

Packs are reproducible: files in a fixed order with fixed timestamps, so the same content makes the same zip
(apart from the manifest's `created_at`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path, PurePosixPath

from kiosk.content.parse import ContentSet, read_content
from kiosk.errors import KioskError

PACK_FORMAT = 1
MANIFEST = "manifest.json"
MAX_FILES = 5000
MAX_TOTAL_BYTES = 256 * 1024 * 1024
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class PackError(KioskError):
    """A pack that cannot be imported; nothing was changed."""


def build_pack(files: dict[str, bytes], languages: list[str], created_at: dt.datetime | None = None) -> bytes:
    manifest = {
        "format": PACK_FORMAT,
        "created_at": (created_at or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
        "languages": languages,
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())]
        entries += sorted(files.items())
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and "\\" not in name
        and not path.is_absolute()
        and ".." not in path.parts
        and ":" not in name
    )


def verify_pack(path: Path) -> tuple[dict[str, object], dict[str, bytes]]:
    """The manifest and files of a pack, after every check in the module docstring passed."""
    if not path.is_file():
        raise PackError(f"{path}: no such file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise PackError(f"{path.name} is not a content pack (it is not a zip file)") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise PackError(f"{path.name} is too large to be a content pack")
        for info in infos:
            if not _safe_name(info.filename):
                raise PackError(f"{path.name} is refused: {info.filename!r} points outside the pack")
        names = {i.filename for i in infos if not i.is_dir()}
        if MANIFEST not in names:
            raise PackError(f"{path.name} is not a content pack (it has no {MANIFEST})")
        try:
            manifest = json.loads(archive.read(MANIFEST))
            version = int(manifest["format"])
            listed = dict(manifest["files"])
        except (ValueError, KeyError, TypeError):
            raise PackError(f"{path.name} is refused: its {MANIFEST} is damaged") from None
        if version > PACK_FORMAT:
            raise PackError(
                f"{path.name} was made by a newer version of the kiosk (pack format {version}); update this kiosk first"
            )
        missing = sorted(set(listed) - names)
        if missing:
            raise PackError(f"{path.name} is refused: {missing[0]} is listed but missing")
        extra = sorted(names - set(listed) - {MANIFEST})
        if extra:
            raise PackError(f"{path.name} is refused: {extra[0]} is in the pack but not in its manifest")
        files: dict[str, bytes] = {}
        for name, digest in sorted(listed.items()):
            if not _safe_name(name):
                raise PackError(f"{path.name} is refused: {name!r} points outside the pack")
            try:
                data = archive.read(name)
            except (zipfile.BadZipFile, OSError, RuntimeError) as error:
                raise PackError(f"{path.name} is damaged: {name} cannot be read ({error})") from None
            if hashlib.sha256(data).hexdigest() != digest:
                raise PackError(
                    f"{path.name} is refused: {name} does not match its checksum (damaged or changed)"
                )
            files[name] = data
    return manifest, files


def read_pack(path: Path, workdir: Path) -> ContentSet:
    """Verify a pack, unpack it into `workdir` and parse it as a content folder."""
    _, files = verify_pack(Path(path))
    for name, data in files.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return read_content(workdir)
