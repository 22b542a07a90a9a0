"""The appliance set-up: the systemd units and the install script do what docs/DEPLOY.md says."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.ui.app import STAFF_EXIT

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ["ketamine-kiosk.service", "ketamine-kiosk-x11.service"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name)
    return parser


@pytest.mark.parametrize("name", UNITS)
def test_the_service_restarts_itself_but_not_in_a_crash_loop(name: str) -> None:
    service = unit(name)["Service"]
    assert service["Restart"] == "always" and int(service["RestartSec"]) <= 5
    assert int(unit(name)["Unit"]["StartLimitBurst"]) > 1 and unit(name)["Unit"]["StartLimitIntervalSec"]
    assert (
        service["Type"] == "notify" and service["NotifyAccess"] == "all" and int(service["WatchdogSec"]) > 0
    )
    assert service["RestartPreventExitStatus"] == str(STAFF_EXIT)  # staff "exit to desktop" stays exited
    assert (
        service["User"] == "kiosk" and "kiosk run --kiosk" in service["ExecStart"]
    ) or "xsession" in service["ExecStart"]
    assert service["IPAddressDeny"] == "any"  # the kiosk never needs the network


def test_cage_does_not_allow_switching_to_a_text_console() -> None:
    exec_start = unit("ketamine-kiosk.service")["Service"]["ExecStart"]
    assert exec_start.startswith("/usr/bin/cage ") and " -s " not in exec_start


@pytest.mark.parametrize(("name", "compositor"), [(UNITS[0], "/usr/bin/cage"), (UNITS[1], "/usr/bin/xinit")])
def test_systemd_accepts_the_units(name: str, compositor: str, tmp_path: Path) -> None:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not on this machine")
    if not Path(compositor).exists():
        pytest.skip(f"{compositor} is not installed (.ci/run installs it)")
    installed = tmp_path / "ketamine-kiosk.service"
    installed.write_text((DEPLOY / name).read_text().replace("/opt/ketamine-kiosk", str(ROOT)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(installed)], capture_output=True, text=True, check=False
    )
    problems = [line for line in done.stderr.splitlines() if "ketamine-kiosk" in line]
    assert done.returncode == 0 and problems == [], done.stderr


def install(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DEPLOY / "install.sh"), "--root", str(tmp_path), *options],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_installer_puts_the_program_and_the_unit_in_place(tmp_path: Path) -> None:
    done = install(tmp_path, "--prefix", "/srv/kiosk")
    assert done.returncode == 0, done.stderr
    program = tmp_path / "srv/kiosk"
    assert (program / "kiosk" / "cli.py").exists() and (program / "content" / "site.yaml").exists()
    assert not (program / ".git").exists() and not (program / ".venv").exists()
    installed = (tmp_path / "etc/systemd/system/ketamine-kiosk.service").read_text()
    assert "/srv/kiosk/.venv/bin/kiosk run --kiosk" in installed and "/opt/ketamine-kiosk" not in installed


@pytest.mark.parametrize(
    ("degrees", "flags"), [("0", "-d --"), ("90", "-d -r --"), ("270", "-d -r -r -r --")]
)
def test_rotation_under_cage(tmp_path: Path, degrees: str, flags: str) -> None:
    assert install(tmp_path, "--rotate", degrees).returncode == 0
    assert f"/usr/bin/cage {flags} " in (tmp_path / "etc/systemd/system/ketamine-kiosk.service").read_text()


def test_rotation_under_x11_turns_picture_and_touch(tmp_path: Path) -> None:
    assert install(tmp_path, "--x11", "--rotate", "90").returncode == 0
    drop_in = tmp_path / "etc/systemd/system/ketamine-kiosk.service.d/rotation.conf"
    assert "KIOSK_ROTATION=90" in drop_in.read_text()
    session = (DEPLOY / "xsession").read_text()
    assert "Coordinate Transformation Matrix" in session and "xset s off s noblank -dpms" in session
    assert subprocess.run(["sh", "-n", str(DEPLOY / "xsession")], check=False).returncode == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--rotate", "45"], "--rotate takes 0, 90, 180 or 270"),
        (["--bogus"], "unknown option --bogus"),
        (["--prefix", "relative"], "absolute path"),
    ],
)
def test_installer_mistakes_are_one_line(tmp_path: Path, options: list[str], message: str) -> None:
    done = install(tmp_path, *options)
    assert done.returncode == 1 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_installer_help() -> None:
    done = subprocess.run(
        ["bash", str(DEPLOY / "install.sh"), "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "--x11" in done.stdout and "--rotate" in done.stdout


def enrolment_line(url: str) -> str:
    import base64
    import json

    data = json.dumps({"url": url, "group": "g1", "kiosk": "lobby", "key": "ed25519:" + "A" * 43 + "="})
    return "kiosk-hub-1:" + base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def test_joining_a_hub_allows_the_service_to_reach_that_address_and_nothing_else(tmp_path: Path) -> None:
    line = enrolment_line("postgresql://k:pw@192.0.2.10:6432/hub?sslmode=verify-full")
    done = install(tmp_path, "--join", line)
    assert done.returncode == 0, done.stderr
    drop_in = tmp_path / "etc/systemd/system/ketamine-kiosk.service.d/hub.conf"
    allow = configparser.ConfigParser(strict=False, interpolation=None)
    allow.read(drop_in)
    assert allow["Service"]["IPAddressAllow"] == "192.0.2.10"
    # The unit itself still denies everything; the drop-in adds the hub alone.
    assert "IPAddressDeny=any" in (tmp_path / "etc/systemd/system/ketamine-kiosk.service").read_text()


def test_without_joining_the_service_may_reach_nothing(tmp_path: Path) -> None:
    assert install(tmp_path).returncode == 0
    assert not (tmp_path / "etc/systemd/system/ketamine-kiosk.service.d/hub.conf").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("kiosk-hub-1:bm90IGpzb24", "not an enrolment line"),
        (enrolment_line("postgresql://k:pw@/hub?host=/run/postgresql"), "names a local socket"),
    ],
)
def test_a_bad_enrolment_line_is_one_line(tmp_path: Path, line: str, message: str) -> None:
    done = install(tmp_path, "--join", line)
    assert done.returncode == 1 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "etc/systemd/system/ketamine-kiosk.service.d/hub.conf").exists()
