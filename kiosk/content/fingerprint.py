"""A hash of every file in a content folder: it changes whenever the folder's content does.

Kept apart from the rest of the content pipeline so the kiosk can tell, at start and cheaply, whether its bundled
content changed (after an upgrade) without loading the pipeline.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: The internal setting that remembers the fingerprint of the last bundled content imported.
BUNDLE_FINGERPRINT_KEY = "_bundled_fingerprint"


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
