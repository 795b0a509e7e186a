#!/usr/bin/env bash
# Installs the Debian 12 packages Model Workbench needs to build, test, sanitize, fuzz and screenshot.
# Run it as yourself or as root: when not root it re-runs itself through sudo (if sudo exists).
# Safe to run again: it only calls apt-get for what is missing.
set -euo pipefail

packages=(
  # toolchain: GCC builds the project; clang's runtime provides libFuzzer for tests/fuzz
  build-essential cmake ninja-build pkg-config git ccache
  clang clang-format libclang-rt-14-dev
  # libraries
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-httpserver-dev libqt6opengl6-dev libgl-dev
  libtorch-dev libdnnl-dev
  libopencv-dev libpng-dev
  nlohmann-json3-dev
  # test references and fixtures (PyTorch, torchvision, Pillow, Fashion-MNIST)
  python3 python3-torch python3-torchvision python3-pil python3-numpy
  dataset-fashion-mnist
  # GUI tests and screenshots under a virtual display with a window manager
  xvfb xauth x11-apps openbox imagemagick
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -- "$0" "$@"
  fi
  echo "error: installing ${missing[*]} needs root, and sudo is not installed: run $0 as root" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
