#!/usr/bin/env bash
# The relay as cmake --install lays it out: the program, a systemd unit that names the
# installed paths and passes `systemd-analyze verify`, a configuration the unit can start with,
# the example configuration (every key), and a manual page that renders without warnings and
# documents every option --help lists. The prefix is removed afterwards.
# Usage: relay_install_test.sh BUILD_DIR
set -euo pipefail
build=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-relay-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { echo "== $*"; }
fail() { echo "FAILED: $*"; exit 1; }

step "cmake --install into a temporary prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
unit=$prefix/lib/systemd/system/sluice.service
for f in bin/sluice lib/systemd/system/sluice.service etc/sluice/sluice.toml share/doc/sluice/sluice.toml \
         share/man/man1/sluice.1; do
  [[ -f $prefix/$f ]] || fail "missing $f"
done

step "the unit"
grep -qx "ExecStart=$prefix/bin/sluice --config $prefix/etc/sluice/sluice.toml" "$unit" ||
  fail "ExecStart does not name the installed program and configuration"
for line in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' WatchdogSec=30s DynamicUser=yes \
            ProtectSystem=strict NoNewPrivileges=yes; do
  grep -qxF "$line" "$unit" || fail "the unit lacks $line"
done
MANPATH=$prefix/share/man systemd-analyze verify "$unit"

step "the configurations load"
"$prefix/bin/sluice" --check-config "$prefix/etc/sluice/sluice.toml"
"$prefix/bin/sluice" --check-config "$prefix/share/doc/sluice/sluice.toml"

step "the manual page"
warnings=$(MANWIDTH=100 man --warnings -l "$prefix/share/man/man1/sluice.1" 2>&1 >/dev/null)
[[ -z $warnings ]] || fail "man warns: $warnings"
page=$(MANWIDTH=200 man -l "$prefix/share/man/man1/sluice.1" 2>/dev/null)
options=$("$prefix/bin/sluice" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
for option in $options; do
  grep -q -- "$option" <<<"$page" || fail "the manual page does not document $option"
done
echo "ok"
