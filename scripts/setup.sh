#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for fmnist-lab: system packages, then npm ci (which builds
# the native engine addon). `--bench` adds the peers the benchmarks compare against.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  dataset-fashion-mnist    # the real data, /usr/share/datasets/fashion-mnist
  libdnnl-dev              # oneDNN: convolutions of the native backend
  libopenblas-openmp-dev   # OpenBLAS (OpenMP threads): sgemm of the native backend
  g++ make python3         # node-gyp builds (the addon, better-sqlite3)
  postgresql               # the tests start a throwaway server (initdb + pg_ctl) for the shared study store
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3-torch python3-optuna)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
