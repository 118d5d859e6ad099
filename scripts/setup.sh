#!/usr/bin/env bash
# Installs the system packages maskstream builds, runs and tests with (Debian 12).
# Idempotent: skips apt when everything is already there. redis-server and mosquitto are
# installed for the broker-sink and worker tests, which start their own on loopback ports
# (the packages' system services are not used).
#
# Mesa's lavapipe (the Vulkan device on machines without a GPU) comes from
# bookworm-backports when that suite is reachable: Mesa 25.0 runs our kernels 2-3x faster
# than bookworm's 22.3 (benchmarks/RESULTS.md). Without it, bookworm's Mesa is used.
# MASKSTREAM_MESA=bookworm keeps bookworm's Mesa.
set -euo pipefail
PKGS=(pkg-config libavdevice-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
      libvulkan-dev mesa-vulkan-drivers glslc vulkan-tools vulkan-validationlayers
      python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
      gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav curl
      libhiredis-dev libmosquitto-dev redis-server redis-tools mosquitto mosquitto-clients
      chromium chromium-driver prometheus python3-venv)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
updated=0
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    updated=1
    $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Mesa from bookworm-backports (lavapipe with LLVM's newer code generation paths).
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
if [ "${MASKSTREAM_MESA:-backports}" = backports ] && [ -r /etc/debian_version ] \
    && grep -q '^12' /etc/debian_version && [[ "$(mesa_version)" != *bpo* ]]; then
    list=/etc/apt/sources.list.d/maskstream-bookworm-backports.sources
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            | $SUDO tee "$list" >/dev/null
        updated=0
    fi
    [ "$updated" = 1 ] || $SUDO apt-get update -qq || true
    policy=$(apt-cache policy mesa-vulkan-drivers 2>/dev/null || true)
    if [[ "$policy" == *bpo* ]]; then
        echo "setup: installing mesa-vulkan-drivers from bookworm-backports"
        $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libdrm2 >/dev/null \
            || echo "setup: bookworm-backports Mesa did not install; keeping $(mesa_version)"
    else
        echo "setup: bookworm-backports is not reachable; keeping Mesa $(mesa_version)"
    fi
fi

# The live viewer's browser test drives chromium with selenium from tools/.venv
# (tools/requirements-browser.txt; tools/requirements.txt adds the heavy training tools to the same venv).
venv="$(dirname "$0")/../tools/.venv"
if ! "$venv/bin/python" -c 'import selenium, PIL, pycocotools' 2>/dev/null; then
    echo "setup: creating tools/.venv with selenium, pillow and pycocotools"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$(dirname "$0")/../tools/requirements-browser.txt"
fi
