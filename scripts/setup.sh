#!/usr/bin/env bash
# Installs curvlab's Debian 12 dependencies; idempotent: packages already present are skipped.
# Usage: sudo scripts/setup.sh            (as root or with sudo)
set -euo pipefail

packages=(
  cmake g++ make pkg-config ccache zlib1g-dev
  libtorch-dev libopenblas0-pthread
  libopenmpi-dev openmpi-bin
  libhdf5-dev libtomlplusplus-dev libgtest-dev libcli11-dev
  dataset-fashion-mnist
  python3-torch python3-h5py python3-numpy
  gnuplot-nox
  clang libclang-rt-14-dev   # libFuzzer targets (scripts/fuzz.sh, the fuzz ctest)
)

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root or install sudo (missing: ${missing[*]})" >&2; exit 1; }
  SUDO="sudo"
fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
