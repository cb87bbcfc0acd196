#!/usr/bin/env bash
# The Debian packages (clusterd, libcluster0, libcluster-dev): cpack -G DEB
# from the build tree, then their file lists, control fields and maintainer
# scripts, and the programs run from a scratch root they are extracted into
# (dpkg-deb -x). With LC_TEST_SYSTEM_INSTALL=1 (CI, as root) they are then
# installed for real: deb_install_test.sh.
set -euo pipefail
build=$1 work=$2 version=$3

fail() { echo "deb_test: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
# cpack installs every target with an install rule: build them first.
nice cmake --build "$build"
(cd "$build" && timeout 600 cpack -G DEB -B "$work") > "$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack failed"; }
deb_of() { ls "$work/$1"_*.deb 2>/dev/null || fail "no $1 package"; }
deb=$(deb_of clusterd) lib=$(deb_of libcluster0) dev=$(deb_of libcluster-dev)
echo "deb_test: built $deb $lib $dev"

contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's#^\./#/#'; }
contents "$deb" > "$work/contents"
contents "$lib" > "$work/contents-lib"
contents "$dev" > "$work/contents-dev"
has() { grep -qE "$2" "$work/$1" || fail "$1 lacks $2"; }
lacks() { if grep -qE "$2" "$work/$1"; then fail "$1 has $2"; fi; }

# clusterd: programs, units, migrations, examples, man pages, completions.
for f in /usr/bin/clusterd /usr/bin/cluster-gateway /usr/bin/nodectl \
         /usr/lib/systemd/system/clusterd@.service /usr/lib/systemd/system/cluster-gateway.service \
         /usr/share/libcluster/migrations/sqlite/0002_clusterer_table.sql \
         /usr/share/libcluster/migrations/postgres/0002_clusterer_table.sql \
         /usr/share/doc/libcluster/examples/clusterd.toml \
         /usr/share/doc/libcluster/examples/gateway.toml \
         /usr/share/man/man1/nodectl.1 /usr/share/man/man8/clusterd.8 \
         /usr/share/man/man5/clusterd.toml.5 /usr/share/man/man8/cluster-gateway.8 \
         /usr/share/bash-completion/completions/nodectl /usr/share/zsh/vendor-completions/_nodectl \
         /usr/share/fish/vendor_completions.d/nodectl.fish; do
  has contents "^$f\$"
done
lacks contents '^/usr/include/|libcluster\.so'
# libcluster0: the shared library and nothing for developers.
has contents-lib '^/usr/lib/([a-z0-9_-]+/)?libcluster\.so\.0$'
lacks contents-lib '^/usr/include/|libcluster\.so$|\.pc$|cmake'
# libcluster-dev: headers, the link, CMake package, pkg-config, API reference.
has contents-dev '^/usr/include/libcluster/runtime/runtime\.h$'
lacks contents-dev '^/usr/include/libcluster/store/'
has contents-dev '^/usr/lib/([a-z0-9_-]+/)?libcluster\.so$'
has contents-dev '^/usr/lib/([a-z0-9_-]+/)?cmake/libcluster/libclusterConfig\.cmake$'
has contents-dev '^/usr/lib/([a-z0-9_-]+/)?pkgconfig/libcluster\.pc$'
if command -v doxygen >/dev/null; then
  has contents-dev '^/usr/share/doc/libcluster-dev/api/index\.html$'
  has contents-dev '^/usr/share/doc/libcluster-dev/api/classlc_1_1runtime_1_1Runtime\.html$'
fi
for c in contents contents-lib contents-dev; do lacks "$c" '^/etc/'; done

field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$deb" Package)" = clusterd ] || fail "Package field"
[ "$(field "$lib" Package)" = libcluster0 ] || fail "libcluster0 Package field"
[ "$(field "$dev" Package)" = libcluster-dev ] || fail "libcluster-dev Package field"
for d in "$deb" "$lib" "$dev"; do
  [ "$(field "$d" Version)" = "$version" ] || fail "Version field of $d"
done
depends=$(field "$deb" Depends)
echo "deb_test: Depends: $depends"
grep -q adduser <<<"$depends" || fail "Depends lacks adduser"
if command -v dpkg-shlibdeps >/dev/null; then
  grep -q libspdlog <<<"$depends" || fail "Depends lacks the shared libraries (shlibdeps)"
fi
grep -qF "libcluster0 (= $version)" <<<"$(field "$dev" Depends)" \
  || fail "libcluster-dev does not depend on libcluster0 of its version"
[ "$(field "$lib" Section)" = libs ] || fail "libcluster0 Section"
shlibs=$(dpkg-deb --ctrl-tarfile "$lib" | tar -xO ./shlibs) || fail "libcluster0 has no shlibs file"
[ "$shlibs" = "libcluster 0 libcluster0 (= $version)" ] || fail "libcluster0 shlibs: $shlibs"
dpkg-deb --ctrl-tarfile "$lib" | tar -xO ./postinst | grep -q ldconfig || fail "libcluster0 runs no ldconfig"
scripts=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
for s in postinst prerm postrm; do grep -q "$s" <<<"$scripts" || fail "no $s"; done
# Stripped: a package of the debug build is not 40 MB.
size=$(stat -c %s "$lib")
[ "$size" -lt 15000000 ] || fail "libcluster0 is $size bytes: not stripped"

root=$work/root
for d in "$deb" "$lib" "$dev"; do dpkg-deb -x "$d" "$root"; done
for p in clusterd nodectl cluster-gateway; do
  out=$("$root/usr/bin/$p" --version)
  echo "deb_test: $out"
  grep -qE "^$p $version \(git [^)]+\)$" <<<"$out" || fail "$p --version: $out"
done
"$root/usr/bin/clusterd" --check-config \
  --config "$root/usr/share/doc/libcluster/examples/clusterd.toml" || fail "example config"
"$root/usr/bin/cluster-gateway" --config "$root/usr/share/doc/libcluster/examples/gateway.toml" \
  --help > /dev/null || fail "example gateway config"
if [ "${LC_TEST_SYSTEM_INSTALL:-}" = 1 ]; then
  "$(dirname "$0")/deb_install_test.sh" "$deb" "$lib" "$dev" "$version"
fi
echo "deb_test: OK"
