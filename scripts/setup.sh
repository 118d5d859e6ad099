#!/usr/bin/env bash
# Installs the system packages maskstream builds, runs and tests with (Debian 12).
# Idempotent: skips apt when everything is already there.
set -euo pipefail
PKGS=(pkg-config libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
      libvulkan-dev mesa-vulkan-drivers glslc vulkan-tools vulkan-validationlayers
      python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
      gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav curl)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
