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
#   - parity of fp16 weights: an EoMT-S layout at 320 saved in F16, run with model.precision fp16
#     (the shared-memory kernel reads float16_t storage on GPUs), against the CPU reference (≤ 1e-3:
#     halves hold F16 weights exactly);
#   - timing: EoMT-S and EoMT-L layouts at 640 input, batch 1, fp32 and fp16 weights, forward only,
#     with peak host and device memory and per-kernel device time;
#   - batching: the default model (models/default, when run from the repository) with 4 and 16
#     frames per submission against one-frame submissions (issue #18's 1/4/16 sources).
# and a last line {"gpu_check": "done", ...}. It stops on the first failing command. The
# cooperative-matrix variant does not exist (issue #15).
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
    for spec in "tiny 320 parity 3 F32 fp32" "small 320 parity 2 F32 fp32" "small 320 parity 2 F16 fp16" \
        "small 640 time 3 F32 fp32" "small 640 time 3 F32 fp16" "large 640 time 2 F32 fp32" "large 640 time 2 F32 fp16"; do
        set -- $spec
        layout=$1 size=$2 what=$3 iterations=$4 dtype=$5 precision=$6
        model="$work/$layout-$size-$dtype"
        [ -d "$model" ] || "$bench" make-random "$model" "$layout" 1 "$size" "$dtype"
        flags=(--forward-only --profile-kernels --precision "$precision")
        [ "$what" = parity ] && flags+=(--parity)
        line=$("$bench" "$model" "$model/frame.rgb" 640 480 "$iterations" gpu "${flags[@]}" 2>"$model.kernels")
        echo "{\"check\": \"$what\", \"layout\": \"$layout\", \"image_size\": $size, \"weights\": \"$dtype\", \"precision\": \"$precision\", \"result\": $line}"
        if [ "$what" = parity ] && [[ "$line" != *'"parity_ok":true'* ]]; then
            echo "gpu_check: parity failed for $layout at $size ($precision)" >&2
            exit 1
        fi
        # Models are kept for the next spec of the same layout and size (fp16 after fp32).
        [ "$precision" = fp16 ] && rm -rf "${model:?}"
    done
    # Batching (issue #18): the default model's device frame path with 4 and 16 frames per
    # submission (one forward pass with a batch dimension, as `model.batch` gives many sources)
    # against one-frame submissions, alternating; frames per second of both and their ratio.
    if [ -f models/default/model.safetensors ]; then
        for b in 4 16; do
            line=$("$bench" models/default "$work/tiny-320-F32/frame.rgb" 640 480 2 gpu --forward-only --batch "$b" \
                2>/dev/null)
            echo "{\"check\": \"batch\", \"model\": \"models/default\", \"batch\": $b, \"result\": $line}"
        done
    fi
    echo "{\"gpu_check\": \"done\", \"seconds\": $(( $(date +%s) - start ))}"
    ;;
*)
    echo "usage: $0 pack|run [dir]" >&2
    exit 2
    ;;
esac
