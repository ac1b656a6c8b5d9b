#!/usr/bin/env bash
# Proves a fresh install: a clean Debian root (debootstrap), only Node and git, runs the README's two quick-start lines.
# Usage (root): bash test/setup/clean-root.sh   (clones this checkout's committed HEAD; logs: LOGDIR=dir keeps them)
# The root becomes its mount namespace's real root (pivot_root), as on a machine: nsenter -m lands inside it too.
# Env: CLONE_DIR (default /opt/mwan, the README's example), SUITE (default: this machine's Debian release),
#      MIRROR (default: the first Debian URI in /etc/apt/sources*),
#      WORKDIR (default: a new directory under /var/tmp), COMMANDS ("demo", "test" or "demo test", the default).
# Debian 12's nodejs is 18, older than mwan's 20.19: then this machine's Node (binary, npm, headers) is copied in, as
# a Node.js tarball or NodeSource package would have put it. The root runs in a private mount namespace (every mount
# disappears with it) and in this machine's network namespace only for apt and npm; the lab builds its own
# namespaces. Services never start inside it (policy-rc.d). Everything is unmounted and removed on exit.
# The braces make bash read the whole script before it runs, so editing the file meanwhile cannot derail a run.
{
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo 'clean-root.sh: run as root' >&2; exit 1; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
ref=HEAD
. /etc/os-release
suite=${SUITE:-$VERSION_CODENAME}
mirror=${MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  sed -nE 's/^(URIs:|deb) *(\[[^]]*\] *)?(https?:\/\/[^ ]*debian\/?)( .*)?$/\3/p' | grep -v security | head -1 || true)}
[ -n "$mirror" ] || { echo 'clean-root.sh: no Debian mirror in /etc/apt/sources*; set MIRROR' >&2; exit 1; }
commands=${COMMANDS:-demo test}
clone=${CLONE_DIR:-/opt/mwan}
work=${WORKDIR:-$(mktemp -d /var/tmp/mwan-clean-root.XXXXXX)}
root=$work/root
cache=/var/cache/mwan-clean-root/$suite

cleanup() {
  local rc=$?
  # Mounts live in the private mount namespace and are gone with it; refuse to delete through one that is not.
  if findmnt -rno TARGET | grep -q "^$root"; then
    echo "clean-root.sh: $root still has mounts; left in place" >&2
  else
    rm -rf --one-file-system "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
mkdir -p "$root" "$cache"
t0=$(date +%s)
echo "== debootstrap --variant=minbase $suite from $mirror into $root"
debootstrap --variant=minbase --cache-dir="$cache" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
if [ "$suite" = "$VERSION_CODENAME" ]; then
  for f in /etc/apt/sources.list.d/*.sources; do
    grep -q '^URIs:.*debian' "$f" || continue
    cp "$f" "$root/etc/apt/sources.list.d/" && : >"$root/etc/apt/sources.list"
  done
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's own trust anchors (e.g. a proxy's CA), so apt and npm inside reach the registries as they do here.
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
extra_ca=${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS}
git -C "$repo" bundle create "$root/tmp/mwan.bundle" "$ref" 2>/dev/null
git -C "$repo" rev-parse "$ref" >"$root/tmp/mwan.ref"

# What the admin brings: git from Debian, and Node >= 20.19 (Debian's when it is new enough, else this machine's).
inside() {
  unshare --mount --propagation private -- sh -c '
    root=$1; ca=$2; shift 2
    mount --bind "$root" "$root" && mount -t proc proc "$root/proc" && mount -t sysfs sysfs "$root/sys" &&
      mount --rbind /dev "$root/dev" && mkdir -p "$root/run/netns" "$root/.old-root" &&
      cd "$root" && pivot_root . .old-root && umount -l /.old-root &&
      exec /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb ${ca:+"$ca"} \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"' clean-root "$root" "$extra_ca" "$@"
}
inside sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  git ca-certificates >/dev/null 2>&1 && update-ca-certificates >/dev/null'
debian_node=$(inside apt-cache policy nodejs | awk '/Candidate:/ { print $2 }')
if inside sh -c "dpkg --compare-versions '${debian_node%%~*}' ge 20.19"; then
  echo "== Node: Debian's nodejs $debian_node"
  inside sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null'
else
  echo "== Node: Debian's nodejs ($debian_node) is older than 20.19; copying this machine's $(node --version) in"
  node_bin=$(readlink -f "$(command -v node)"); prefix=$(dirname "$(dirname "$node_bin")")
  cp "$node_bin" "$root/usr/bin/node"
  mkdir -p "$root/usr/lib/node_modules" "$root/usr/include"
  cp -a "$prefix/lib/node_modules/npm" "$root/usr/lib/node_modules/"
  [ -d "$prefix/include/node" ] && cp -a "$prefix/include/node" "$root/usr/include/"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
fi
inside sh -c 'git -c advice.detachedHead=false clone -q /tmp/mwan.bundle "$0" &&
  git -C "$0" -c advice.detachedHead=false checkout -q "$(cat /tmp/mwan.ref)"' "$clone"
echo "== root ready in $(($(date +%s) - t0)) s: node $(inside node --version), $(inside git --version)"

status=0
for c in $commands; do
  t=$(date +%s)
  echo "== bash test/setup/install-deps.sh && npm $([ "$c" = test ] && echo test || echo "run $c")"
  if inside sh -c "cd '$clone' && bash test/setup/install-deps.sh && npm $([ "$c" = test ] || echo run) $c" \
    >"$work/$c.log" 2>&1; then r=passed; else r="FAILED ($?)"; status=1; fi
  tail -40 "$work/$c.log"
  [ -n "${LOGDIR:-}" ] && cp "$work/$c.log" "$LOGDIR/clean-root-$c.log"
  echo "== $c: $r in $(($(date +%s) - t)) s"
done
echo "== clean root: $([ $status = 0 ] && echo 'both commands passed' || echo FAILED) in $(($(date +%s) - t0)) s"
exit $status
}
