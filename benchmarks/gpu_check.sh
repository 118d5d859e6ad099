#!/usr/bin/env bash
# The prepared GPU check: parity and forward timing of maskstream's Vulkan EoMT on a machine that
# has a GPU driver and nothing else (no Swift, no Python, no PyTorch, maybe no Vulkan loader).
#
#   bash benchmarks/gpu_check.sh pack [dir]   # here: build EomtBench with the static Swift stdlib and
#                                             # put it, its shader bundles and the Vulkan loader in
#                                             # dir (default .build-gpu-check), well under 64 MiB
#   bash benchmarks/gpu_check.sh run [dir]    # there (or here, on lavapipe, as a rehearsal)
#
# `run` generates seeded random models on the spot (EomtBench make-random: at most a few MB
# travel, no EoMT-L checkpoint), then prints one JSON line per check:
#   - parity: the device forward against the Swift CPU reference forward on the same pixels
#     (tiny layout and EoMT-S layout at 320 input; max |Δ| of class and mask logits ≤ 1e-3);
#   - timing: EoMT-S and EoMT-L layouts at 640 input, batch 1, fp32, forward only, with peak host
#     memory and per-kernel device time.
# and a last line {"gpu_check": "done", ...}. It stops on the first failing command. fp16 and
# cooperative-matrix variants do not exist yet (issue #15), so only fp32 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
dir=${2:-.build-gpu-check}

case "$mode" in
pack)
    swift build -c release --product EomtBench --static-swift-stdlib --build-path .build-static
    bin=$(swift build -c release --static-swift-stdlib --build-path .build-static --show-bin-path)
    rm -rf "$dir" && mkdir -p "$dir/lib"
    cp "$bin/EomtBench" "$dir/"
    strip "$dir/EomtBench" 2>/dev/null || true
    cp -r "$bin"/*.resources "$dir/"
    # The Vulkan loader (the driver's ICD file names the driver library; the loader finds it).
    cp -L /usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$dir/lib/"
    # The C++ runtime the static Swift stdlib still links dynamically, for minimal images.
    cp -L /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$dir/lib/"
    cp benchmarks/gpu_check.sh "$dir/"
    du -sh "$dir"
    ;;
run)
    if [ -x "$dir/EomtBench" ]; then bench="$dir/EomtBench"; else bench="$(dirname "$0")/EomtBench"; fi
    lib="$(cd "$(dirname "$bench")" && pwd)/lib"
    # Our loader and C++ runtime only where the machine has none.
    if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || ! ldconfig -p 2>/dev/null | grep -q 'libstdc++.so.6'; then
        export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
    work=$(mktemp -d /tmp/maskstream-gpu-check.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    start=$(date +%s)
    for spec in "tiny 320 parity 3" "small 320 parity 2" "small 640 time 3" "large 640 time 2"; do
        set -- $spec
        layout=$1 size=$2 what=$3 iterations=$4
        "$bench" make-random "$work/$layout-$size" "$layout" 1 "$size"
        flags=(--forward-only --profile-kernels)
        [ "$what" = parity ] && flags+=(--parity)
        line=$("$bench" "$work/$layout-$size" "$work/$layout-$size/frame.rgb" 640 480 "$iterations" gpu "${flags[@]}" \
            2>"$work/$layout-$size.kernels")
        echo "{\"check\": \"$what\", \"layout\": \"$layout\", \"image_size\": $size, \"result\": $line}"
        if [ "$what" = parity ] && [[ "$line" != *'"parity_ok":true'* ]]; then
            echo "gpu_check: parity failed for $layout at $size" >&2
            exit 1
        fi
        rm -rf "${work:?}/$layout-$size"
    done
    echo "{\"gpu_check\": \"done\", \"seconds\": $(( $(date +%s) - start ))}"
    ;;
*)
    echo "usage: $0 pack|run [dir]" >&2
    exit 2
    ;;
esac
