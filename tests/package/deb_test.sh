#!/usr/bin/env bash
# The Debian package: cpack -G DEB from the build tree, then its file list,
# its control fields and maintainer scripts, and the programs run from a
# scratch root it is extracted into (dpkg-deb -x).
set -euo pipefail
build=$1 work=$2 version=$3

fail() { echo "deb_test: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
# cpack installs every target with an install rule: build them first.
nice cmake --build "$build" --target clusterd cluster-gateway nodectl libcluster
(cd "$build" && timeout 600 cpack -G DEB -B "$work") > "$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/*.deb)
echo "deb_test: built $deb"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' > "$work/contents"
for f in /usr/bin/clusterd /usr/bin/cluster-gateway /usr/bin/nodectl \
         /usr/lib/systemd/system/clusterd@.service /usr/lib/systemd/system/cluster-gateway.service \
         /usr/share/libcluster/migrations/sqlite/0002_clusterer_table.sql \
         /usr/share/libcluster/migrations/postgres/0002_clusterer_table.sql \
         /usr/share/doc/libcluster/examples/clusterd.toml \
         /usr/share/doc/libcluster/examples/gateway.toml \
         /usr/include/libcluster/runtime/runtime.h; do
  grep -qx "$f" "$work/contents" || fail "missing $f"
done
grep -qE '^/usr/lib/([a-z0-9_-]+/)?libcluster\.so\.0$' "$work/contents" || fail "missing libcluster.so.0"
grep -qE '^/usr/lib/([a-z0-9_-]+/)?cmake/libcluster/libclusterConfig\.cmake$' "$work/contents" \
  || fail "missing libclusterConfig.cmake"
grep -qE '^/usr/lib/([a-z0-9_-]+/)?pkgconfig/libcluster\.pc$' "$work/contents" \
  || fail "missing libcluster.pc"
if grep -q '^/etc/' "$work/contents"; then fail "ships files in /etc"; fi

[ "$(dpkg-deb -f "$deb" Package)" = clusterd ] || fail "Package field"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version field"
depends=$(dpkg-deb -f "$deb" Depends)
echo "deb_test: Depends: $depends"
grep -q adduser <<<"$depends" || fail "Depends lacks adduser"
if command -v dpkg-shlibdeps >/dev/null; then
  grep -q libspdlog <<<"$depends" || fail "Depends lacks the shared libraries (shlibdeps)"
fi
scripts=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
for s in postinst prerm postrm; do grep -q "$s" <<<"$scripts" || fail "no $s"; done

root=$work/root
dpkg-deb -x "$deb" "$root"
for p in clusterd nodectl cluster-gateway; do
  out=$("$root/usr/bin/$p" --version)
  echo "deb_test: $out"
  grep -qE "^$p $version \(git [^)]+\)$" <<<"$out" || fail "$p --version: $out"
done
"$root/usr/bin/clusterd" --check-config \
  --config "$root/usr/share/doc/libcluster/examples/clusterd.toml" || fail "example config"
"$root/usr/bin/cluster-gateway" --config "$root/usr/share/doc/libcluster/examples/gateway.toml" \
  --help > /dev/null || fail "example gateway config"
echo "deb_test: OK"
