"""Signed packs: a key pair made once, a signature over the manifest and number, and a kiosk that has pinned its
group's key taking nothing else (unless an admin allows unsigned packs)."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.content import packs, signing
from kiosk.db.store import Store
from kiosk.services import fleet, library
from kiosk.services.auth import COMMAND_LINE
from kiosk.services.settings import load_settings, update_settings
from tests.helpers.db import dump


def keypair(folder: Path, name: str = "group.key", passphrase: str = "") -> tuple[Path, str]:
    path = folder / name
    return path, signing.generate(path, passphrase)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(tmp_path: Path) -> None:
    path, public = keypair(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (tmp_path / "group.key.pub").read_text().strip() == public
    assert signing.public_text(signing.load_private(path).public_key()) == public
    with pytest.raises(signing.SignatureError, match="never overwritten"):
        signing.generate(path)
    assert signing.public_text(signing.load_private(path).public_key()) == public


def test_a_key_with_a_passphrase_needs_it(tmp_path: Path) -> None:
    path, public = keypair(tmp_path, passphrase="correct horse")
    assert signing.is_encrypted(path)
    with pytest.raises(signing.SignatureError, match="protected by a passphrase"):
        signing.load_private(path)
    with pytest.raises(signing.SignatureError, match="wrong passphrase"):
        signing.load_private(path, "wrong")
    assert signing.public_text(signing.load_private(path, "correct horse").public_key()) == public
    with pytest.raises(signing.SignatureError, match="is a public key"):
        signing.load_private(tmp_path / "group.key.pub")


MANIFEST: dict[str, object] = {
    "format": 1,
    "created_at": "2026-01-01T00:00:00",
    "languages": ["en"],
    "files": {},
}


def test_the_signature_covers_the_manifest_and_the_release_number(tmp_path: Path) -> None:
    path, public = keypair(tmp_path)
    key = signing.load_private(path)
    manifest = {**MANIFEST, "files": {"a.md": "0" * 64}}
    signed = {**manifest, "signature": signing.sign(manifest, key, 7)}
    assert signing.verify(signed, "pack") == signing.Signed(public, 7)
    for changed in (
        {**signed, "files": {"a.md": "1" * 64}},
        {**signed, "languages": ["es"]},
        {**signed, "signature": {**signed["signature"], "release": 8}},  # type: ignore[dict-item]
    ):
        with pytest.raises(signing.SignatureError, match="does not match its contents"):
            signing.verify(changed, "pack")
    assert signing.verify(manifest, "pack") is None


def pack_of(store: Store, path: Path, key: Path | None = None) -> Path:
    with store.session() as session:
        library.export_pack(session, path, key=signing.load_private(key) if key else None)
    return path


def pin(store: Store, public: str) -> None:
    line = fleet.Link("postgresql://k:pw@127.0.0.1/hub", "g1", "lobby", public).line()
    fleet.join(store.path, line)


def allow_unsigned(store: Store, allowed: bool = True) -> None:
    """As an admin does it in the console's settings."""
    with store.session() as session, session.begin():
        update_settings(session, {"allow_unsigned_packs": allowed}, by=COMMAND_LINE)


def unsigned_allowed(store: Store) -> bool:
    with store.session() as session:
        return load_settings(session).allow_unsigned_packs


def test_a_kiosk_with_a_pinned_key_takes_packs_signed_by_it(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, public = keypair(tmp_path)
    pack = pack_of(store, tmp_path / "signed.zip", path)
    pin(store, public)
    code, out, err = run(["--db", str(store.path), "pack", "import", str(pack), "--dry-run"], capsys)
    assert code == 0, err
    assert f"signed.zip: signed by key {signing.fingerprint(public)} (this kiosk's group)" in out


@pytest.mark.parametrize("case", ["unsigned", "other key", "tampered", "other key, unsigned allowed"])
def test_a_kiosk_with_a_pinned_key_refuses_any_other_pack_and_changes_nothing(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    own, public = keypair(tmp_path)
    other, _ = keypair(tmp_path, "other.key")
    if case == "unsigned":
        pack = pack_of(store, tmp_path / "p.zip")
        expected = "p.zip is refused: it is not signed, and this kiosk takes only content signed by its group"
    elif case.startswith("other key"):
        pack = pack_of(store, tmp_path / "p.zip", other)
        expected = "p.zip is refused: it is signed by key"
    else:
        pack = _rebuilt(pack_of(store, tmp_path / "p.zip", own))
        expected = "p.zip is refused: its signature does not match its contents"
    pin(store, public)
    if "allowed" in case:
        allow_unsigned(store)
    before = dump(store.path)
    code, out, err = run(["--db", str(store.path), "pack", "import", str(pack)], capsys)
    assert code == 1 and out == "" and expected in err and len(err.strip().splitlines()) == 1
    assert dump(store.path) == before


def _rebuilt(pack: Path) -> Path:
    """The pack with an answer changed and its checksum in the manifest updated to match."""
    import hashlib

    source = zipfile.ZipFile(pack)
    files = {name: source.read(name) for name in source.namelist()}
    source.close()
    manifest = json.loads(files["manifest.json"])
    name = next(name for name in files if name.endswith("faq/01-general.md"))
    files[name] = files[name].replace(b"No.", b"Yes.")
    manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for entry, data in files.items():
            target.writestr(entry, data)
    pack.write_bytes(buffer.getvalue())
    return pack


def test_an_admin_may_allow_unsigned_packs_on_a_kiosk_with_a_pinned_key(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, public = keypair(tmp_path)
    pack = pack_of(store, tmp_path / "p.zip")
    pin(store, public)
    allow_unsigned(store)
    code, out, err = run(["--db", str(store.path), "pack", "import", str(pack), "--dry-run"], capsys)
    assert code == 0, err
    assert "p.zip: not signed" in out


def test_a_pack_never_changes_what_the_kiosk_trusts(store: Store, tmp_path: Path) -> None:
    """Even a pack the group signed, made on a kiosk whose admin allowed unsigned packs, leaves the setting."""
    own, public = keypair(tmp_path)
    allow_unsigned(store)
    pack = pack_of(store, tmp_path / "signed.zip", own)
    assert b"allow_unsigned_packs: true" in zipfile.ZipFile(pack).read("site.yaml")
    allow_unsigned(store, False)
    pin(store, public)
    library.import_pack(store, pack)
    assert not unsigned_allowed(store)


def test_without_a_pinned_key_unsigned_packs_import_but_a_broken_signature_never_does(
    store: Store, tmp_path: Path
) -> None:
    own, _ = keypair(tmp_path)
    library.import_pack(store, pack_of(store, tmp_path / "plain.zip"), dry_run=True)
    tampered = _rebuilt(pack_of(store, tmp_path / "signed.zip", own))
    before = dump(store.path)
    with pytest.raises(signing.SignatureError, match="does not match its contents"):
        library.import_pack(store, tampered)
    assert dump(store.path) == before


def test_pack_export_signs_with_the_key_it_is_given(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, public = keypair(tmp_path, passphrase="s3cret")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))  # the passphrase, piped
    code, out, err = run(
        ["--db", str(store.path), "pack", "export", str(tmp_path / "p.zip"), "--sign", str(path)], capsys
    )
    assert code == 0, err
    assert f"signed by key {signing.fingerprint(public)}" in out
    manifest, _ = packs.verify_pack(tmp_path / "p.zip")
    assert signing.verify(manifest, "p.zip") == signing.Signed(public, 0)
