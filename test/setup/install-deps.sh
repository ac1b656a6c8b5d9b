#!/usr/bin/env bash
# Installs what a router running mwan needs and what the demo, tests and bench run (Debian, as root), then npm ci.
# `--runtime` installs only runtime-packages.txt (a router); the default adds test-packages.txt. Node.js >= 20.19 is
# expected (Debian 13's nodejs is one; on Debian 12 install Node.js 20.19+ first), and kept when already present.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

lists=(test/setup/runtime-packages.txt)
[ "${1:-}" = --runtime ] || lists+=(test/setup/test-packages.txt)
# The packages the kernel path and the lab cannot do without, named here too so that a list edited by mistake never
# drops them: nftables (nft), iproute2 (ip, tc), conntrack, iputils-ping (ping); and for the tests socat, hping3,
# miniupnpc (upnpc), miniupnpd-nftables (miniupnpd), ndisc6 (rdisc6), radvd, keepalived and conntrackd (the IPv6 and HA labs).
required=(nftables iproute2 conntrack iputils-ping)
[ "${1:-}" = --runtime ] || required+=(socat hping3 miniupnpc miniupnpd-nftables ndisc6 radvd keepalived conntrackd)
mapfile -t packages < <({ sed -e 's/#.*//' "${lists[@]}" | awk 'NF { print $1 }'; printf '%s\n' "${required[@]}"; } | sort -u)
node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; }
node_ok || packages+=(nodejs npm libnode-dev)

missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # mwan starts its own keepalived, conntrackd and radvd (plugins ha and ra) from generated files: the distribution's
  # units, enabled by a fresh install, would run them in the host's namespace with the default files. Only those
  # installed just now are disabled; ones the admin had before are left as they were.
  if [ -d /run/systemd/system ]; then
    for unit in keepalived conntrackd radvd; do
      if printf '%s\n' "${missing[@]}" | grep -qx "$unit"; then systemctl disable --now "$unit" >/dev/null 2>&1 || true; fi
    done
  fi
fi
node_ok || { echo "Node.js >= 20.19 is required; found $(node --version 2>/dev/null || echo none)" >&2; exit 1; }
# node-gyp builds the ICMP addon against the installed Node's headers rather than downloading them.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -z "${npm_config_nodedir:-}" ] && [ "$(npm config get nodedir)" = undefined ] &&
  [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir=$node_prefix
fi
npm ci --no-audit --no-fund --loglevel=error
