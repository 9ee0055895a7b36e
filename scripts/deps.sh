#!/bin/sh
# Installs the Debian 12 packages finca needs to build, run and test.
# Idempotent: only missing packages are installed; nothing else is touched.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libssl-dev openssl libsqlite3-dev sqlite3 libinih-dev libjansson-dev
libmicrohttpd-dev libgnutls28-dev libargon2-dev libp11-dev libcmocka-dev gnutls-bin softhsm2 opensc curl jq wrk
libzip-dev libxml2-dev libxlsxwriter-dev libpango1.0-dev libcairo2-dev
fonts-noto-cjk poppler-utils libp11-kit-dev libcurl4-openssl-dev python3
python3-openpyxl python3-yaml python3-cryptography nodejs chromium libpq-dev postgresql postgresql-client"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
