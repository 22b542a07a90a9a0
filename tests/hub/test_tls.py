"""TLS as a kiosk would use it across a network: `sslmode=verify-full` against the group's own authority. The
connection is encrypted and the hub's certificate checked; a hub whose certificate the kiosk cannot check is not
talked to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.db import lite, pg
from kiosk.services import fleet
from tests.helpers.hub import fixture_bundle, make_hub, make_kiosk, run
from tests.helpers.pg import Cluster

__all__ = ["fixture_bundle"]
pytestmark = pytest.mark.usefixtures("fixture_bundle")


def authority(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def server_certificate(issuer: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(issuer[1].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(issuer[0], hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


@pytest.fixture
def tls_cluster(cluster: Cluster, tmp_path: Path) -> Iterator[tuple[Cluster, Path, Path]]:
    group_ca, stranger_ca = authority("Clinic group CA"), authority("Someone else")
    server = Cluster(cluster.binaries, tls=server_certificate(group_ca)).start()
    trusted, untrusted = tmp_path / "group-ca.pem", tmp_path / "other-ca.pem"
    trusted.write_bytes(group_ca[1].public_bytes(serialization.Encoding.PEM))
    untrusted.write_bytes(stranger_ca[1].public_bytes(serialization.Encoding.PEM))
    yield server, trusted, untrusted
    server.stop()


def test_a_kiosk_checks_the_hubs_certificate_and_talks_to_it_encrypted(
    tls_cluster: tuple[Cluster, Path, Path], tmp_path: Path
) -> None:
    server, trusted, untrusted = tls_cluster
    hub = make_hub(server.create_database("hub"), tmp_path)
    hub.publish()

    def enrolled(name: str, authority_file: Path) -> Path:
        line = hub.kiosk(
            "hub", "enroll", name, "--group", "g1", "--host", "localhost",
            "--sslmode", "verify-full", "--sslrootcert", str(authority_file),
        ).strip().splitlines()[-1]  # fmt: skip
        kiosk = make_kiosk(tmp_path / f"{name}.sqlite3")
        code, _, err = run("--db", str(kiosk), "hub", "join", line, "--hostaddr", "127.0.0.1")
        assert code == 0, err
        return kiosk

    good = enrolled("checked", trusted)
    code, out, err = run("--db", str(good), "sync")
    assert code == 0 and "release 1 imported" in out, err
    reader = lite.connect(good, readonly=True)
    try:
        link = fleet.stored_link(reader)
    finally:
        reader.close()
    assert link is not None and "hostaddr=127.0.0.1" in link.url
    with psycopg.connect(pg.libpq_url(link.url)) as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)

    fooled = enrolled(
        "fooled", untrusted
    )  # a kiosk told to trust another authority will not talk to this hub
    code, out, err = run("--db", str(fooled), "sync")
    assert (
        code == 1 and out == "" and "certificate verify failed" in err and len(err.strip().splitlines()) == 1
    )
