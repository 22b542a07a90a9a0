"""Ed25519 signatures on content packs and hub releases: who made this content, and is it as they made it.

A pack's manifest already lists the SHA-256 of every file, so signing the manifest signs the whole pack. The
signature sits in the manifest's `signature` entry (which kiosks without signature checks accept and ignore):

    "signature": {"algorithm": "ed25519", "key": "ed25519:<public key>", "release": 12, "value": "<signature>"}

What is signed is a fixed label, the manifest without its signature as canonical JSON (sorted keys, no spaces),
and the release number (0 for a pack exported by hand), so neither a file, the manifest nor the number can be
changed, nor a release passed off as another, without the signature failing.

Keys: `kiosk hub keygen KEYFILE` writes the private key as PKCS#8 PEM (encrypted when given a passphrase,
readable by its owner only) and the public key beside it as `KEYFILE.pub`, one line `ed25519:<base64>`. The
private key stays with the group's content office; the hub and the kiosks only ever hold the public key. People
compare keys by their fingerprint, four groups of four hexadecimal digits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.errors import KioskError

ALGORITHM = "ed25519"
_PREFIX = "ed25519:"
_LABEL = b"ketamine-kiosk content signature v1\n"
#: A PEM private key is a few hundred bytes: anything much larger is not one.
MAX_KEY_FILE_BYTES = 16 * 1024


class SignatureError(KioskError):
    """A key that cannot be read, or a signature that is missing, wrong or from a key the kiosk does not trust."""


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _PREFIX + base64.b64encode(raw).decode()


def parse_public(text: str) -> Ed25519PublicKey:
    """A public key from its one-line form (`ed25519:<base64>`); `SignatureError` if it is not one."""
    value = text.strip()
    if not value.startswith(_PREFIX):
        raise SignatureError("not a kiosk public key (it should start with 'ed25519:')")
    try:
        raw = base64.b64decode(value[len(_PREFIX) :], validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise SignatureError("not a kiosk public key (damaged or cut short)") from None


def fingerprint(public: str) -> str:
    """What people compare: `3f2a 9c1b 77d0 e41a`, from the public key's one-line form."""
    digest = hashlib.sha256(public.strip().encode()).hexdigest()[:16]
    return " ".join(digest[index : index + 4] for index in range(0, 16, 4))


def generate(path: Path, passphrase: str = "") -> str:
    """Write a new key pair to `path` (private) and `path.pub` (public); returns the public key's text.

    Refuses to overwrite an existing key: losing the group's key means enrolling every kiosk again.
    """
    path = Path(path)
    public_path = path.with_name(path.name + ".pub")
    for existing in (path, public_path):
        if existing.exists():
            raise SignatureError(
                f"{existing} already exists: a key is never overwritten (choose another name)"
            )
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    public = public_text(key.public_key())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        public_path.write_text(public + "\n", encoding="ascii")
    except OSError as error:
        raise SignatureError(f"cannot write the key to {path}: {error.strerror or error}") from error
    return public


def is_encrypted(path: Path) -> bool:
    try:
        return b"ENCRYPTED" in Path(path).read_bytes()[:200]
    except OSError:
        return False


def load_private(path: Path, passphrase: str = "") -> Ed25519PrivateKey:
    """The private key in `path`; `SignatureError` naming what is wrong (missing, not a key, wrong passphrase)."""
    path = Path(path)
    try:
        if not path.is_file():
            raise SignatureError(f"{path}: no such key file")
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            raise SignatureError(f"{path} is not a private key (too large)")
        data = path.read_bytes()
    except OSError as error:
        raise SignatureError(f"cannot read the key {path}: {error.strerror or error}") from error
    if data.startswith(_PREFIX.encode()):
        raise SignatureError(f"{path} is a public key: signing needs the private key (the file without .pub)")
    try:
        key = serialization.load_pem_private_key(data, password=passphrase.encode() or None)
    except TypeError:
        if passphrase:
            raise SignatureError(f"{path} is not protected by a passphrase: give none") from None
        raise SignatureError(f"{path} is protected by a passphrase: give it on stdin") from None
    except ValueError:
        if b"ENCRYPTED" in data[:200]:
            raise SignatureError(f"wrong passphrase for {path}") from None
        raise SignatureError(f"{path} is not a private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{path} is not an Ed25519 key (made by 'kiosk hub keygen')")
    return key


def _signed_bytes(manifest: dict[str, object], release: int) -> bytes:
    body = {key: value for key, value in manifest.items() if key != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _LABEL + canonical.encode() + b"\nrelease:" + str(release).encode()


def sign(manifest: dict[str, object], key: Ed25519PrivateKey, release: int = 0) -> dict[str, object]:
    """The `signature` entry for `manifest` as release number `release` (0: not a release)."""
    value = key.sign(_signed_bytes(manifest, release))
    return {
        "algorithm": ALGORITHM,
        "key": public_text(key.public_key()),
        "release": release,
        "value": base64.b64encode(value).decode(),
    }


@dataclass(frozen=True)
class Signed:
    """A signature that checked out: by which key, as which release (0: a pack exported by hand)."""

    key: str
    release: int

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)


def verify(manifest: dict[str, object], what: str) -> Signed | None:
    """Check the manifest's signature against the key it names; None when it has none.

    Raises `SignatureError` for a signature in the wrong shape or one that does not match: the content was
    changed after it was signed. Whether the key is one to trust is the caller's decision (`check`).
    """
    entry = manifest.get("signature")
    if entry is None:
        return None
    if not isinstance(entry, dict) or set(entry) != {"algorithm", "key", "release", "value"}:
        raise SignatureError(f"{what} is refused: its signature is not in a form this kiosk reads")
    algorithm, key_text, release, value = (entry[name] for name in ("algorithm", "key", "release", "value"))
    if algorithm != ALGORITHM or not isinstance(key_text, str) or not isinstance(value, str):
        raise SignatureError(f"{what} is refused: its signature is not in a form this kiosk reads")
    if type(release) is not int or release < 0:
        raise SignatureError(f"{what} is refused: its signature has no valid release number")
    key = parse_public(key_text)
    try:
        key.verify(base64.b64decode(value, validate=True), _signed_bytes(manifest, release))
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureError(
            f"{what} is refused: its signature does not match its contents (it was changed after it was signed)"
        ) from None
    return Signed(key_text, release)


def check(
    manifest: dict[str, object], what: str, *, pinned: str | None, allow_unsigned: bool
) -> Signed | None:
    """The trust rule for a pack: a valid signature always; with a pinned key, that key's, and a signature
    at all unless `allow_unsigned` (an admin's setting). Returns the signature (None: unsigned, allowed)."""
    signed = verify(manifest, what)
    if pinned is None:
        return signed
    if signed is None:
        if allow_unsigned:
            return None
        raise SignatureError(
            f"{what} is refused: it is not signed, and this kiosk takes only content signed by its group "
            f"(key {fingerprint(pinned)}); an admin can allow unsigned packs in the settings"
        )
    if signed.key.strip() != pinned.strip():
        raise SignatureError(
            f"{what} is refused: it is signed by key {signed.fingerprint}, not by this kiosk's group "
            f"(key {fingerprint(pinned)})"
        )
    return signed
