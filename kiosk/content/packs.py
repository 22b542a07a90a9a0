"""Content packs: a zip of a content folder with a manifest, for moving content between kiosks.

`manifest.json` records the pack format, when it was made, its languages and the SHA-256 of every file. A pack is
a file from a USB stick, so nothing in it is trusted, and it is refused, with one clear line, before anything is
imported if:

- it is not a plain file, or not a zip, or is damaged, or bigger than the limits below (entries, bytes);
- an entry's name is unsafe (outside the pack, absolute, with control characters), appears twice, or would
  become the same file as another on a disk that ignores case (a second `manifest.json` among them);
- the manifest is missing, is not strict JSON (NaN, Infinity, a key twice, too deeply nested), has a value of the
  wrong type anywhere, has an entry the format does not know, or is from a newer format;
- a file is missing, extra, or does not match its checksum.

Content problems are then reported like any folder's. Names from the pack are always printed escaped
(`printable`), so a name with a newline cannot fake a line of a report.

The manifest may also hold a `signature` entry (`kiosk.content.signing`): an Ed25519 signature over the manifest,
which lists every file's checksum, so over the whole pack. Whether a pack must be signed, and by whom, is the
kiosk's rule (`signing.check`), applied before anything is imported.

Packs are reproducible: files in a fixed order with fixed timestamps, so the same content makes the same zip
(apart from the manifest's `created_at`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from kiosk.content.parse import MAX_PICTURE_BYTES, ContentSet, printable, read_content, shown
from kiosk.errors import KioskError

PACK_FORMAT = 1
MANIFEST = "manifest.json"
MAX_FILES = 5000
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = MAX_PICTURE_BYTES  # the largest file a content folder may hold
MAX_MANIFEST_BYTES = 2 * 1024 * 1024  # 5,000 names and checksums fit in well under 1 MB
MAX_JSON_DEPTH = 4  # the manifest is a map of maps and lists
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CHECKSUM = re.compile(r"^[0-9a-f]{64}$")
_KNOWN = {"format", "created_at", "languages", "files", "signature"}
_DAMAGED = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error)


class PackError(KioskError):
    """A pack that cannot be imported; nothing was changed."""


def build_pack(
    files: dict[str, bytes],
    languages: list[str],
    created_at: dt.datetime | None = None,
    *,
    signer: Callable[[dict[str, object]], dict[str, object]] | None = None,
) -> bytes:
    """The pack's bytes; `signer` makes the manifest's `signature` entry from the rest of it."""
    manifest: dict[str, object] = {
        "format": PACK_FORMAT,
        "created_at": (created_at or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
        "languages": languages,
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    if signer is not None:
        manifest["signature"] = signer(manifest)
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


def _same_file(name: str) -> str:
    """What `name` becomes on a disk that ignores case and how accents are written (FAT, exFAT, macOS)."""
    return unicodedata.normalize("NFC", PurePosixPath(name).as_posix()).casefold()


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack += [(child, depth + 1) for child in children]
    return deepest


class _JsonRefused(ValueError):
    """Strict JSON: what `json` would let through but a manifest must not have."""


def _json_refused(message: str) -> None:
    raise _JsonRefused(message)


def _pairs(items: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in items:
        if key in result:
            _json_refused(f"the key {shown(key)} appears twice")
        result[key] = value
    return result


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _json_refused(f"the number {shown(text)} is too large")
    return value


def parse_manifest(data: bytes, pack: str) -> dict[str, object]:
    """The manifest, checked entry by entry; `PackError` naming the first thing wrong (and its line)."""

    def refuse(message: str, line: int | None = None) -> PackError:
        where = f"{MANIFEST}, line {line}" if line else MANIFEST
        return PackError(f"{pack} is refused: {where}: {message}")

    try:
        manifest = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_pairs,
            parse_constant=lambda name: _json_refused(f"{name} is not a number"),
            parse_float=_float,
        )
    except RecursionError:
        raise refuse("it is nested too deeply") from None
    except json.JSONDecodeError as error:
        raise refuse(f"it is damaged ({error.msg})", error.lineno) from None
    except _JsonRefused as error:
        raise refuse(str(error)) from None
    except UnicodeDecodeError:
        raise refuse("it is not UTF-8 text") from None
    except ValueError:  # Python refuses to read an integer of thousands of digits
        raise refuse("a number in it is too long") from None
    if not isinstance(manifest, dict):
        raise refuse("it must be a map of entries")
    if _depth(manifest) > MAX_JSON_DEPTH:
        raise refuse(f"it is nested too deeply (at most {MAX_JSON_DEPTH} levels)")
    version = manifest.get("format")
    if type(version) is not int:  # not bool, not float
        raise refuse(f"'format' must be a whole number, not {shown(version)}")
    if version > PACK_FORMAT:
        raise PackError(
            f"{pack} was made by a newer version of the kiosk (pack format {version}); update this kiosk first"
        )
    unknown = sorted(set(manifest) - _KNOWN)
    if unknown:
        raise refuse(f"unknown entry {shown(unknown[0])}")
    created = manifest.get("created_at")
    if not isinstance(created, str) or len(created) > 40:
        raise refuse(f"'created_at' must be a date and time, not {shown(created)}")
    try:
        dt.datetime.fromisoformat(created)
    except ValueError:
        raise refuse(f"'created_at' must be a date and time, not {shown(created)}") from None
    languages = manifest.get("languages")
    if not (
        isinstance(languages, list)
        and len(languages) <= 16
        and all(isinstance(lang, str) and re.fullmatch(r"[a-z]{2,3}", lang) for lang in languages)
    ):
        raise refuse(f"'languages' must be a list of language codes, not {shown(languages)}")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise refuse("'files' must be a map of file names to checksums")
    for name, digest in files.items():
        if not isinstance(digest, str) or not _CHECKSUM.match(digest):
            raise refuse(f"the checksum of {shown(name)} must be 64 hexadecimal digits, not {shown(digest)}")
    signature = manifest.get("signature")
    if signature is not None and not isinstance(signature, str | dict):
        raise refuse("'signature' must be text or a map")
    return manifest


def _open(path: Path) -> zipfile.ZipFile:
    try:
        info = os.stat(path)
    except OSError:
        raise PackError(f"{printable(str(path))}: no such file") from None
    name = printable(path.name)
    if not stat.S_ISREG(info.st_mode):
        raise PackError(f"{name} is not a plain file (a folder, device or pipe): it is not a content pack")
    if info.st_size > MAX_TOTAL_BYTES + 64 * 1024 * 1024:
        raise PackError(f"{name} is too large to be a content pack")
    try:
        return zipfile.ZipFile(path)
    except _DAMAGED:
        raise PackError(f"{name} is not a content pack (it is not a zip file, or it is damaged)") from None


def verify_pack(path: Path) -> tuple[dict[str, object], dict[str, bytes]]:
    """The manifest and files of a pack, after every check in the module docstring passed."""
    pack = printable(path.name)
    archive = _open(path)
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise PackError(f"{pack} is too large to be a content pack")
        entries: dict[str, zipfile.ZipInfo] = {}
        seen: dict[str, str] = {}
        for info in infos:
            name = info.filename
            if not _safe_name(name):
                raise PackError(f"{pack} is refused: {shown(name)} points outside the pack")
            if not name.isprintable():
                raise PackError(f"{pack} is refused: the name {shown(name)} has control characters in it")
            if name in entries:
                raise PackError(f"{pack} is refused: {shown(name)} is in it twice")
            same = _same_file(name)
            if same in seen:
                raise PackError(
                    f"{pack} is refused: {shown(name)} and {shown(seen[same])} would be the same file"
                )
            seen[same] = name
            if info.is_dir():
                continue
            limit = MAX_MANIFEST_BYTES if name == MANIFEST else MAX_ENTRY_BYTES
            if info.file_size > limit:
                raise PackError(
                    f"{pack} is refused: {shown(name)} is too large ({info.file_size // 1024} KB)"
                )
            entries[name] = info
        if MANIFEST not in entries:
            raise PackError(f"{pack} is not a content pack (it has no {MANIFEST})")

        def read(name: str) -> bytes:
            try:
                return archive.read(entries[name])
            except _DAMAGED as error:
                raise PackError(f"{pack} is damaged: {shown(name)} cannot be read ({error})") from None

        manifest = parse_manifest(read(MANIFEST), pack)
        listed: dict[str, str] = manifest["files"]  # type: ignore[assignment]
        for name in listed:
            if not _safe_name(name) or not name.isprintable() or name == MANIFEST:
                raise PackError(
                    f"{pack} is refused: its {MANIFEST} lists {shown(name)}, which is not allowed"
                )
        names = set(entries) - {MANIFEST}
        missing = sorted(set(listed) - names)
        if missing:
            raise PackError(f"{pack} is refused: {shown(missing[0])} is listed but missing")
        extra = sorted(names - set(listed))
        if extra:
            raise PackError(f"{pack} is refused: {shown(extra[0])} is in the pack but not in its manifest")
        files: dict[str, bytes] = {}
        for name, digest in sorted(listed.items()):
            data = read(name)
            if hashlib.sha256(data).hexdigest() != digest:
                raise PackError(
                    f"{pack} is refused: {shown(name)} does not match its checksum (damaged or changed)"
                )
            files[name] = data
    return manifest, files


def unpack(files: dict[str, bytes], workdir: Path) -> ContentSet:
    """Write a verified pack's files into `workdir` and parse them as a content folder."""
    for name, data in files.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return read_content(workdir)


def read_pack(path: Path, workdir: Path) -> ContentSet:
    """Verify a pack, unpack it into `workdir` and parse it as a content folder."""
    _, files = verify_pack(Path(path))
    return unpack(files, workdir)
