#!/usr/bin/env bash
# The Debian packages installed for real (dpkg -i, as root): the postinst
# creates the clusterd system user and /etc/clusterd (root:clusterd 0750),
# the installed clusterd runs as that user, the library is known to the
# dynamic linker and to pkg-config; then dpkg --purge removes the files and
# keeps what Debian keeps (the operator's /etc/clusterd, the user).
# Called by deb_test.sh when LC_TEST_SYSTEM_INSTALL=1 (scripts/test sets it
# on CI as root): it changes the machine, so never by default. What the test
# created is removed at the end.
set -euo pipefail
deb=$1 lib=$2 dev=$3 version=$4

fail() { echo "deb_install_test: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root"
for p in clusterd libcluster0 libcluster-dev; do
  if dpkg -s "$p" >/dev/null 2>&1; then fail "$p is already installed here: not touching it"; fi
done
user_existed=no etc_existed=no
getent passwd clusterd >/dev/null && user_existed=yes
[ -e /etc/clusterd ] && etc_existed=yes
cleanup() {
  dpkg --purge libcluster-dev libcluster0 clusterd >/dev/null 2>&1 || true
  [ $etc_existed = yes ] || rm -rf /etc/clusterd
  [ $user_existed = yes ] || { userdel clusterd 2>/dev/null || true; groupdel clusterd 2>/dev/null || true; }
}
trap cleanup EXIT

dpkg -i "$deb" "$lib" "$dev" || fail "dpkg -i failed"
entry=$(getent passwd clusterd) || fail "postinst did not create the clusterd user"
echo "deb_install_test: user $entry"
[[ $entry == *:/usr/sbin/nologin ]] || fail "the clusterd user has a login shell: $entry"
perms=$(stat -c '%U:%G %a' /etc/clusterd) || fail "postinst did not create /etc/clusterd"
[ "$perms" = "root:clusterd 750" ] || fail "/etc/clusterd is $perms, want root:clusterd 750"

runuser -u clusterd -- /usr/bin/clusterd --check-config \
  --config /usr/share/doc/libcluster/examples/clusterd.toml || fail "clusterd --check-config as clusterd"
out=$(/usr/bin/nodectl --version)
grep -qE "^nodectl $version " <<<"$out" || fail "nodectl --version: $out"
ldconfig -p | grep -q 'libcluster\.so\.0 ' || fail "ldconfig does not know libcluster.so.0"
[ "$(pkg-config --modversion libcluster)" = "$version" ] || fail "pkg-config --modversion libcluster"

dpkg --purge libcluster-dev libcluster0 clusterd || fail "dpkg --purge failed"
for f in /usr/bin/clusterd /usr/lib/systemd/system/clusterd@.service /usr/include/libcluster; do
  [ ! -e "$f" ] || fail "$f is still there after purge"
done
[ -d /etc/clusterd ] || fail "purge removed /etc/clusterd (the operator's files)"
echo "deb_install_test: OK"
