#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs each one for a bounded time on its seed corpus (tests/fuzz/corpus/<target>). Fails on any
# crash, sanitizer report, leak, timeout (one input over 10 s) or out-of-memory (over 2 GB).
#
#   tests/fuzz/run_fuzzers.sh                  # every target, 25 s each (about 4 minutes in all)
#   MWB_FUZZ_SECONDS=300 tests/fuzz/run_fuzzers.sh fuzz_pickle
#
# Environment: MWB_FUZZ_BUILD (build folder, default build/fuzz), MWB_FUZZ_SECONDS (per target),
# MWB_FUZZ_CXX (a clang++, default clang++). New inputs go to the build folder, never to the repo;
# a crashing input is left in <build>/artifacts/<target>/ and should become a regression test.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${MWB_FUZZ_BUILD:-$here/../../build/fuzz}
seconds=${MWB_FUZZ_SECONDS:-25}
cxx=${MWB_FUZZ_CXX:-clang++}
targets=${*:-"fuzz_safetensors_header fuzz_pickle fuzz_zip fuzz_config_json fuzz_preprocessor_json fuzz_hub_json fuzz_image_header fuzz_python_scanner"}

generator=""
command -v ninja >/dev/null 2>&1 && generator="-G Ninja"
# shellcheck disable=SC2086
cmake -S "$here" -B "$build" $generator -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" --target $targets

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export QT_QPA_PLATFORM=offscreen

failed=""
for target in $targets; do
    work="$build/corpus/$target"
    artifacts="$build/artifacts/$target/"
    mkdir -p "$work" "$artifacts"
    log="$build/$target.log"
    echo "== $target: ${seconds} s"
    if "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "$here/corpus/$target" >"$log" 2>&1; then
        grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$log" | tail -2 || true
    else
        echo "FAILED: $target (log: $log; reproducer in $artifacts)"
        grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -20 || true
        failed="$failed $target"
    fi
done

if [ -n "$failed" ]; then
    echo "fuzzing found problems in:$failed"
    exit 1
fi
echo "all fuzz targets ran ${seconds} s each without a finding"
