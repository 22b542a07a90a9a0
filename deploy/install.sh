#!/usr/bin/env bash
# Install the kiosk as an appliance on Debian 12 or Ubuntu 24.04. Run as root from a copy of the repository:
#
#   sudo deploy/install.sh                 cage (Wayland kiosk compositor) on tty1, started at boot
#   sudo deploy/install.sh --x11           a minimal X session instead of cage
#   sudo deploy/install.sh --rotate 90     a portrait screen (picture and touch turned together)
#   echo 482916 | sudo deploy/install.sh --pin-from-stdin     set the staff PIN without a prompt
#   sudo deploy/install.sh --join LINE     join a clinic group's hub (LINE from 'kiosk hub enroll')
#
# It installs the system packages, creates the "kiosk" user, installs the program into /opt/ketamine-kiosk
# with its own Python environment, creates the database in /var/lib/ketamine-kiosk from the bundled content,
# sets the staff PIN, and enables the service. Running it again upgrades in place and keeps the clinic's content.
# The service may not use the network (IPAddressDeny=any); --join stores the enrolment line and allows the
# service to reach the hub's address, and nothing else (docs/FLEET.md).
#
# --root DIR writes the files into DIR instead of / and skips packages, users and systemctl (for tests).
set -euo pipefail

prefix=/opt/ketamine-kiosk
data=/var/lib/ketamine-kiosk
compositor=cage
rotate=0
start=yes
pin_stdin=no
root=""
join_line=""

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --x11) compositor=x11 ;;
    --rotate) shift; rotate="${1:-}" ;;
    --prefix) shift; prefix="${1:-}" ;;
    --no-start) start=no ;;
    --pin-from-stdin) pin_stdin=yes ;;
    --root) shift; root="${1:-}"; start=no ;;
    --join) shift; join_line="${1:-}"; [ -n "$join_line" ] || die "--join takes the line 'kiosk hub enroll' printed" ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
case "$rotate" in 0|90|180|270) ;; *) die "--rotate takes 0, 90, 180 or 270" ;; esac
case "$prefix" in /*) ;; *) die "--prefix must be an absolute path" ;; esac

source_dir=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$source_dir/pyproject.toml" ] || die "run this from the kiosk's repository (deploy/install.sh)"
staging=${root:+$root}
if [ -z "$root" ]; then
  [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"
  command -v apt-get >/dev/null || die "this installer needs Debian or Ubuntu (apt-get)"
fi

step() { echo "==> $*"; }

# The hub's address and port from an enrolment line (standard library only: no kiosk needed to read it).
hub_endpoint() {
  python3 - "$1" <<'PY'
import base64, json, sys, urllib.parse
line = sys.argv[1].strip()
prefix = "kiosk-hub-1:"
try:
    assert line.startswith(prefix)
    data = line[len(prefix):]
    url = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))["url"]
    parts = urllib.parse.urlsplit(url)
    query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
    host = query.get("hostaddr") or query.get("host") or parts.hostname or ""
    port = query.get("port") or parts.port or 5432
except Exception:
    sys.exit("install.sh: --join: not an enrolment line (copy the whole last line of 'kiosk hub enroll')")
print(host, port)
PY
}

hub_address=""
if [ -n "$join_line" ]; then  # checked before anything is installed
  read -r hub_host hub_port < <(hub_endpoint "$join_line") || exit 1
  [ -n "${hub_host:-}" ] || die "--join: the line names no hub address"
  case "$hub_host" in /*) die "--join: the line names a local socket, not an address a kiosk can reach" ;; esac
  if [[ "$hub_host" =~ ^[0-9.]+$ || "$hub_host" == *:* ]]; then
    hub_address="$hub_host"
  else
    hub_address=$(getent ahosts "$hub_host" | awk 'NR == 1 { print $1 }')
    [ -n "$hub_address" ] || die "--join: cannot find the address of $hub_host (check DNS, then run this again)"
  fi
fi

if [ -z "$root" ]; then
  step "installing system packages"
  packages=(python3 python3-venv libegl1 libgl1 libopengl0 libfontconfig1 libdbus-1-3 libxkbcommon0)
  if [ "$compositor" = cage ]; then
    packages+=(cage libwayland-client0 libwayland-cursor0 libwayland-egl1)
  else
    packages+=(xserver-xorg xinit x11-xserver-utils xinput libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
               libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0)
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python 3.11 or newer is needed"

  step "creating the kiosk user"
  if ! id kiosk >/dev/null 2>&1; then
    useradd --system --home-dir "$data" --create-home --shell /usr/sbin/nologin kiosk
  fi
  for group in video input render tty; do
    getent group "$group" >/dev/null && usermod -a -G "$group" kiosk
  done
fi

step "installing the program into $prefix"
mkdir -p "$staging$prefix"
if [ "$(cd "$source_dir" && pwd -P)" != "$(mkdir -p "$staging$prefix" && cd "$staging$prefix" && pwd -P)" ]; then
  tar -C "$source_dir" --exclude=.venv --exclude=.git --exclude='*.sqlite3*' --exclude=__pycache__ --exclude='*.egg-info' -cf - . \
    | tar -C "$staging$prefix" -xf -
fi
if [ -z "$root" ]; then
  python3 -m venv "$prefix/.venv"
  "$prefix/.venv/bin/python" -m pip install --quiet --upgrade "pip>=23.1"
  "$prefix/.venv/bin/python" -m pip install --quiet -e "$prefix"
  # The service cannot write to $prefix, so Python would compile the kiosk's code at every start: do it once.
  "$prefix/.venv/bin/python" -m compileall -q "$prefix/kiosk"
fi

step "preparing the data folder $data"
mkdir -p "$staging$data"
if [ -z "$root" ]; then
  chown kiosk:kiosk "$data"
  chmod 0750 "$data"
  as_kiosk() { runuser -u kiosk -- env KIOSK_DATA_DIR="$data" "$prefix/.venv/bin/kiosk" "$@"; }
  as_kiosk content import >/dev/null   # creates the database, or brings in newer bundled content
  if [ "$pin_stdin" = yes ]; then
    as_kiosk pin set
  elif [ -t 0 ]; then
    if as_kiosk pin status >/dev/null; then
      echo "A staff PIN is already set (change it in the staff console)."
    else
      echo "Choose the staff PIN (4 to 8 digits). Staff need it to leave kiosk mode."
      as_kiosk pin set </dev/tty
    fi
  fi
fi

if [ -n "$join_line" ]; then
  step "joining the clinic group's hub at $hub_address"
  if [ -z "$root" ]; then
    as_kiosk hub join "$join_line" --hostaddr "$hub_address" --replace
  fi
fi

step "installing the service"
unit=ketamine-kiosk.service
template="$source_dir/deploy/ketamine-kiosk.service"
[ "$compositor" = x11 ] && template="$source_dir/deploy/ketamine-kiosk-x11.service"
rotation=""
case "$rotate" in 90) rotation="-r " ;; 180) rotation="-r -r " ;; 270) rotation="-r -r -r " ;; esac
mkdir -p "$staging/etc/systemd/system"
sed -e "s|/opt/ketamine-kiosk|$prefix|g" -e "s|/var/lib/ketamine-kiosk|$data|g" \
    -e "s|/usr/bin/cage -d -- |/usr/bin/cage -d ${rotation}-- |" "$template" > "$staging/etc/systemd/system/$unit"
if [ -n "$hub_address" ]; then
  # The one exception to IPAddressDeny=any: the hub, at the address the kiosk was told to use (--hostaddr).
  mkdir -p "$staging/etc/systemd/system/$unit.d"
  printf '[Service]\n# Written by install.sh --join: the clinic group hub (%s port %s), and nothing else.\nIPAddressAllow=%s\n' \
    "$hub_address" "$hub_port" "$hub_address" > "$staging/etc/systemd/system/$unit.d/hub.conf"
fi
if [ "$compositor" = x11 ] && [ "$rotate" != 0 ]; then
  mkdir -p "$staging/etc/systemd/system/$unit.d"
  printf '[Service]\nEnvironment=KIOSK_ROTATION=%s\n' "$rotate" > "$staging/etc/systemd/system/$unit.d/rotation.conf"
fi
if [ -z "$root" ]; then
  systemctl daemon-reload
  systemctl enable "$unit"
  systemctl set-default graphical.target >/dev/null
  if [ "$start" = yes ]; then
    systemctl restart "$unit"
    step "started: the kiosk is on tty1 (journalctl -u $unit shows its log)"
  else
    step "installed; it starts at the next boot (or: systemctl start $unit)"
  fi
else
  step "staged into $root"
fi
