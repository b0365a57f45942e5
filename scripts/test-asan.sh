#!/usr/bin/env bash
# npm run test:asan [-- <jest arguments>]
#
# Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer in a
# copy of the package (this checkout's build/ stays as it is), runs the jest
# suite against that copy, and reports the tests passed and the sanitizer
# reports. Node itself is not instrumented, so the ASan runtime is preloaded
# into every node process the suite starts (LD_PRELOAD is inherited).
# Exits 1 when a sanitizer reported anything or a test failed.
# TRACEMALLOC_ASAN_KEEP=1 keeps the copy and its logs. See docs/reliability-asan.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tracemalloc-asan.XXXXXX")
if [ "${TRACEMALLOC_ASAN_KEEP:-0}" = 1 ]; then
  echo "test:asan: keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
started=$(date +%s)

# The package without its build and git data; node_modules is shared.
tar -C "$root" --exclude=./node_modules --exclude=./build --exclude=./.git -cf - . | tar -C "$work" -xf -
ln -s "$root/node_modules" "$work/node_modules"
cd "$work"

# node-gyp honours CFLAGS/CXXFLAGS/LDFLAGS. -fno-omit-frame-pointer and -g
# give readable stacks. UBSan checks trap (ud2) instead of calling GCC's
# libubsan, which writes only to stderr (it ignores log_path when ASan is
# loaded), where the tests' own children's reports would be lost: ASan then
# reports each trap as "ILL", with its stack and source line, in its log.
sanitize='-fsanitize=address,undefined -fsanitize-undefined-trap-on-error -fno-omit-frame-pointer -g'
if ! command -v node-gyp >/dev/null; then
  echo 'test:asan: node-gyp is not on PATH (run it as npm run test:asan)' >&2
  exit 2
fi
CFLAGS="$sanitize" CXXFLAGS="$sanitize" LDFLAGS="$sanitize" \
  node-gyp rebuild >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  exit 2
}
npm run --silent build:ts

addon="$work/build/Release/tracemalloc.node"
libasan=$(ldd "$addon" | awk '/libasan/ { print $3 }')
if [ -z "$libasan" ]; then
  echo "test:asan: $addon is not linked against libasan" >&2
  exit 2
fi

logs="$work/sanitizer-logs"
mkdir -p "$logs"
# detect_leaks=0: Node does not free its own heap at exit, so LeakSanitizer
# would report Node, not us. verify_asan_link_order=0: node's own libraries
# come before the preloaded runtime in its link order. handle_sigill=1: the
# UBSan traps. Reports go to files, one per process (a report ends its
# process), since tests read their children's stderr.
export LD_PRELOAD="$libasan"
export ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:handle_sigill=1:log_path=$logs/report"

# A canary first, so that 0 reports cannot mean the sanitizers were off: a
# module with a signed overflow, and one with a heap overflow, built and run
# as the addon is, must give one report each.
canary="$work/canary"
mkdir -p "$canary"
cat >"$canary/canary.c" <<'C'
#include <limits.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
static napi_value Init(napi_env env, napi_value exports) {
  if (strcmp(getenv("CANARY"), "ubsan") == 0) {
    volatile int big = INT_MAX;
    volatile int overflowed = big + 1; /* UBSan: signed integer overflow */
    (void)overflowed;
  } else {
    char* bytes = malloc(8);
    volatile char past = bytes[8];     /* ASan: heap-buffer-overflow */
    (void)past;
    free(bytes);
  }
  return exports;
}
NAPI_MODULE(canary, Init)
C
include=$(node -p 'require("path").resolve(process.execPath, "../../include/node")')
gcc -shared -fPIC $sanitize -I"$include" "$canary/canary.c" -o "$canary/canary.node"
for kind in ubsan asan; do
  CANARY=$kind ASAN_OPTIONS="${ASAN_OPTIONS/$logs/$canary}" \
    node -e 'require(process.argv[1])' "$canary/canary.node" 2>/dev/null || true
done
canary_asan=$(cat "$canary"/report.* 2>/dev/null | grep -c 'ERROR: AddressSanitizer: heap-buffer-overflow' || true)
canary_ubsan=$(cat "$canary"/report.* 2>/dev/null | grep -c 'ERROR: AddressSanitizer: ILL .*' || true)
if [ "$canary_asan" != 1 ] || [ "$canary_ubsan" != 1 ]; then
  echo "test:asan: the sanitizers are not active (canary: $canary_asan ASan, $canary_ubsan UBSan reports, expected 1 and 1)" >&2
  exit 2
fi
echo "canary: 1 AddressSanitizer report and 1 UBSan trap, as planted"

status=0
npx jest --json --outputFile="$work/jest.json" "$@" >"$work/jest.log" 2>&1 || status=$?
unset LD_PRELOAD

asan=$(cat "$logs"/report.* 2>/dev/null | grep 'ERROR: AddressSanitizer' | grep -vc 'AddressSanitizer: ILL' || true)
ubsan=$(cat "$logs"/report.* 2>/dev/null | grep -c 'ERROR: AddressSanitizer: ILL' || true)
node -e '
  const r = require(process.argv[1]);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped, ` +
    `of ${r.numTotalTests} in ${r.numTotalTestSuites} files`);
  for (const file of r.testResults) {
    for (const t of file.assertionResults) if (t.status === "failed") console.log(`  failed: ${t.fullName}`);
  }' "$work/jest.json" || tail -50 "$work/jest.log"
echo "sanitizer reports: $((asan + ubsan)) (AddressSanitizer $asan, UBSan traps $ubsan)"
echo "time: $(( $(date +%s) - started )) s (build and suite), node $(node -v)"
for log in "$logs"/*; do
  [ -e "$log" ] && { echo "--- $log"; head -40 "$log"; }
done
if [ "$((asan + ubsan))" -gt 0 ] || [ "$status" -ne 0 ]; then exit 1; fi
