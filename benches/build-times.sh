#!/usr/bin/env bash
# Measures how long building the pinterest-v5 library takes, and its peak
# memory, with the default features and with `full`, in the dev and release
# profiles. Each measured build follows `touch build.rs`, so generation and
# the crate's own compilation run again while dependencies stay built (a
# warm-up build of each configuration builds them first).
#
# Peak memory is the maximum resident set size that GNU time reports: the
# largest single process of the build (in practice rustc compiling the
# generated client), not the sum over processes.
#
# Usage: benches/build-times.sh
# Prints a Markdown table. Honors CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time (GNU time) is missing; install the Debian package 'time'" >&2
    exit 1
fi

report=$(mktemp)
trap 'rm -f "$report"' EXIT

# Runs one build of the library and prints "seconds kilobytes".
measure() {
    touch build.rs
    /usr/bin/time -v -o "$report" cargo build --quiet --package pinterest-v5 --lib "$@" >&2
    local wall kilobytes
    wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$report")
    kilobytes=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$report")
    echo "$(to_seconds "$wall") $kilobytes"
}

# Converts GNU time's h:mm:ss or m:ss.cc to seconds.
to_seconds() {
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.0f", s }' <<<"$1"
}

declare -A seconds
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB memory, $(rustc --version)" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

echo "| profile | features | build time (s) | peak memory (MiB) |"
echo "|---|---|---:|---:|"
for profile in dev release; do
    profile_args=()
    [[ $profile == release ]] && profile_args=(--release)

    for features in default full; do
        feature_args=()
        [[ $features == full ]] && feature_args=(--features full)

        echo "warming up: $profile, $features" >&2
        cargo build --quiet --package pinterest-v5 --lib "${profile_args[@]}" "${feature_args[@]}" >&2

        echo "measuring: $profile, $features" >&2
        read -r wall kilobytes < <(measure "${profile_args[@]}" "${feature_args[@]}")
        seconds[$profile-$features]=$wall
        echo "| $profile | $features | $wall | $((kilobytes / 1024)) |"
    done
done

for profile in dev release; do
    awk -v p="$profile" -v d="${seconds[$profile-default]}" -v f="${seconds[$profile-full]}" \
        'BEGIN { printf "%s: default takes %.2f of the time of full\n", p, d / f }' >&2
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
