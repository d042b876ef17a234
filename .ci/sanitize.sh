#!/usr/bin/env bash
# Build the native SHA-256d kernel (every ISA file this compiler accepts) with AddressSanitizer and
# UndefinedBehaviorSanitizer into native/tests/selftest, and run it.  Exits non-zero on any failure.
# Usage: .ci/sanitize.sh [seed]      (CC defaults to cc)
set -euo pipefail
cd "$(dirname "$0")/.."

CC="${CC:-cc}"
OUT=native/tests/selftest
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
CFLAGS=(-O1 -g -std=c11 -Wall -Wextra -Inative -Inative/include)
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

srcs=(native/sha256d_portable.c native/dispatch.c native/cpu_features.c)
defs=()
objs=()
arch="$(uname -m)"
if [[ "$arch" == "x86_64" || "$arch" == "amd64" ]]; then
    for spec in "shani:-msha -msse4.1 -mssse3" "avx2:-mavx2" "avx512:-mavx512f -mavx512vl"; do
        name="${spec%%:*}"
        flags="${spec#*:}"
        src="native/sha256d_${name}.c"
        [[ -f "$src" ]] || { echo "sanitize: $src absent, skipped"; continue; }
        upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
        # shellcheck disable=SC2086
        if "$CC" "${CFLAGS[@]}" "${SAN[@]}" $flags -c "$src" -o "$TMP/$name.o" 2>"$TMP/$name.log"; then
            objs+=("$TMP/$name.o")
            defs+=("-DMC_HAVE_${upper}")
            echo "sanitize: built $name ($flags)"
        else
            echo "sanitize: WARNING: $src did not compile with $flags; skipped:" >&2
            sed 's/^/    /' "$TMP/$name.log" >&2
        fi
    done
fi

"$CC" "${CFLAGS[@]}" "${SAN[@]}" "${defs[@]}" native/tests/selftest.c "${srcs[@]}" "${objs[@]}" -o "$OUT" -lpthread
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"./$OUT" "${1:-1}" | tee "$TMP/run.log"
# every usable implementation forced through the environment variable must become the active one
for impl in $(awk '/^impl / && /status ok$/ {print $2}' "$TMP/run.log"); do
    MINECORE_NATIVE_IMPL=$impl "./$OUT" 2 >"$TMP/forced.log" 2>&1 || { cat "$TMP/forced.log"; exit 1; }
    grep -q "^active: $impl\$" "$TMP/forced.log" || { echo "sanitize: forcing $impl failed" >&2; exit 1; }
    echo "sanitize: forced $impl ok"
done
echo "sanitize: OK"
