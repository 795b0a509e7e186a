#!/usr/bin/env bash
# Installs the Debian 12 packages Model Workbench needs to build, test and screenshot.
# Run as root. Safe to run again: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev libqt6opengl6-dev
  libgl-dev
  libtorch-dev
  libopencv-dev
  nlohmann-json3-dev
  python3 python3-torch python3-torchvision python3-pil python3-numpy
  dataset-fashion-mnist
  xvfb xauth x11-apps imagemagick
)

if [ "$(id -u)" -ne 0 ]; then
  echo "error: run as root (apt-get needs it): sudo $0" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
