#!/usr/bin/env bash
# Rasa 3.6 beside botcoach, for bench/versus_rasa.py. Rasa 3.6 needs Python <= 3.10, so it lives in
# a Debian 11 (Python 3.9) chroot, isolated from the host: nothing is added to the host's apt
# sources. Needs root and the Debian mirror and PyPI; takes about 2 minutes and 3.4 GB.
# Idempotent: a second run only (re)mounts /proc.
set -euo pipefail
ROOT=${BOTCOACH_RASA_CHROOT:-/opt/bullseye}
RASA_VERSION=3.6.21

if [ ! -x "$ROOT/opt/rasa36/bin/rasa" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
  [ -x "$ROOT/usr/bin/apt-get" ] || nice -n 19 debootstrap --variant=minbase bullseye "$ROOT" http://deb.debian.org/debian
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # a registry proxy with its own certificate authority must be trusted inside as well
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  fi
fi
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
IN=(chroot "$ROOT" /usr/bin/env -i PATH=/opt/rasa36/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive)
if [ ! -x "$ROOT/opt/rasa36/bin/rasa" ]; then
  "${IN[@]}" sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv python3-dev build-essential ca-certificates'
  "${IN[@]}" update-ca-certificates >/dev/null
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$ROOT/etc/pip.conf"
  "${IN[@]}" sh -c 'python3 -m venv /opt/rasa36 && pip install -q --upgrade "pip<24.1" "setuptools<70" wheel'
  "${IN[@]}" nice -n 19 pip install -q --progress-bar off "rasa==$RASA_VERSION"
fi
"${IN[@]}" rasa --version
