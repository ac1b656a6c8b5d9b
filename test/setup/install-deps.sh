#!/usr/bin/env bash
# Installs what the demo, the tests and the benchmark need on a Debian machine (run as root), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

# iputils-ping and socat are used by the ICMP fallback and the lab tests; g++, make and python3 build the ICMP addon (core/system/probes/native) when npm ci runs `prepare`.
packages=(iproute2 nftables iptables conntrack procps coreutils iputils-ping socat miniupnpd-nftables miniupnpc hping3 g++ make python3)
# Node.js 20.19 or newer: Debian 13's nodejs is; keep a newer one that is already installed.
node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; }
node_ok || packages+=(nodejs npm libnode-dev)

missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
node_ok || { echo "Node.js >= 20.19 is required; found $(node --version 2>/dev/null || echo none)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
