#!/usr/bin/env bash
# Packaging test (CTest `package_deb`): installs the build with `cmake --install` into a
# temporary prefix, builds the Debian package with CPack into a temporary directory, and checks
# with dpkg-deb what an administrator relies on: the binary, the default configuration (as a
# conffile), the hardened systemd unit, the maintainer scripts and the library dependencies.
# Usage: check_deb.sh <build directory>
set -euo pipefail

build=$1
tmp=$(mktemp -d /tmp/releasebot-deb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect() {  # expect <haystack> <needle> <what>
    if ! grep -qF -- "$2" <<<"$1"; then fail "$3: no '$2'"; fi
}

# 1. `cmake --install` lays out the same files under any prefix.
cmake --install "$build" --prefix "$tmp/stage" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; exit 1; }
for f in bin/releasebot etc/releasebot/releasebot.toml lib/systemd/system/releasebot.service \
         share/doc/releasebot/README.md; do
    [[ -f "$tmp/stage/$f" ]] || fail "cmake --install: $f missing"
done
[[ -x "$tmp/stage/bin/releasebot" ]] || fail "cmake --install: bin/releasebot not executable"

# 2. The .deb.
(cd "$build" && cpack -G DEB -B "$tmp/pkg") >"$tmp/cpack.log" 2>&1 || {
    cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/pkg/releasebot_*.deb)
contents=$(dpkg-deb -c "$deb")
expect "$contents" "-rwxr-xr-x root/root" "binary mode"
expect "$contents" "./usr/bin/releasebot" "binary"
expect "$contents" "./etc/releasebot/releasebot.toml" "default configuration"
expect "$contents" "./lib/systemd/system/releasebot.service" "systemd unit"
if grep -q "/usr/local" <<<"$contents"; then fail "files under /usr/local in the package"; fi

info=$(dpkg-deb -I "$deb")
expect "$info" "Package: releasebot" "control"
expect "$info" "conffiles" "control archive"
expect "$info" "postinst" "control archive"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libsqlite3-0 libcurl4 libssl3 libstdc++6 tzdata ca-certificates; do
    expect "$depends" "$lib" "Depends"
done

dpkg-deb -e "$deb" "$tmp/control"
expect "$(cat "$tmp/control/conffiles")" "/etc/releasebot/releasebot.toml" "conffiles"
expect "$(cat "$tmp/control/postinst")" "useradd --system" "postinst"

dpkg-deb -x "$deb" "$tmp/root"
unit=$(cat "$tmp/root/lib/systemd/system/releasebot.service")
for line in "ExecStart=/usr/bin/releasebot serve --config /etc/releasebot/releasebot.toml" \
            "User=releasebot" "StateDirectory=releasebot" "NoNewPrivileges=yes" \
            "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "CapabilityBoundingSet=" \
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
            "SystemCallFilter=@system-service" "WantedBy=multi-user.target"; do
    expect "$unit" "$line" "unit"
done
# systemd itself parses the unit (every option known and well-formed) and rates its exposure.
if command -v systemd-analyze >/dev/null 2>&1; then
    sed "s|/usr/bin/releasebot|$tmp/root/usr/bin/releasebot|" \
        "$tmp/root/lib/systemd/system/releasebot.service" >"$tmp/releasebot.service"
    verify=$(systemd-analyze verify --man=no "$tmp/releasebot.service" 2>&1 || true)
    [[ -z "$verify" ]] || fail "systemd-analyze verify: $verify"
    systemd-analyze security --offline=yes --threshold=20 "$tmp/releasebot.service" \
        >"$tmp/security.txt" 2>&1 || fail "systemd-analyze security: $(tail -1 "$tmp/security.txt")"
fi
# The packaged configuration points the database into the unit's StateDirectory.
expect "$(cat "$tmp/root/etc/releasebot/releasebot.toml")" \
    'path = "/var/lib/releasebot/releasebot.db"' "configuration"
# The stripped binary still runs.
"$tmp/root/usr/bin/releasebot" --help >"$tmp/help.txt" 2>&1 || fail "releasebot --help failed"
expect "$(cat "$tmp/help.txt")" "serve" "releasebot --help"

if ((failures > 0)); then
    echo "$failures packaging check(s) failed" >&2
    exit 1
fi
echo "package ok: $(basename "$deb")"
