#!/usr/bin/env bash
# Runs the native CTest suite and every .NET test project, then prints one line: "N passed, N failed".
# The native engine is required: a [NativeFact] that would skip fails instead (LABELLOOP_REQUIRE_NATIVE=1).
set -uo pipefail
config=$1 native_dir=$2 results=$3
rm -rf "$results" && mkdir -p "$results"
export LABELLOOP_REQUIRE_NATIVE=1
export OMP_WAIT_POLICY=PASSIVE

native_passed=0 native_failed=0
if [ -f "$native_dir/CTestTestfile.cmake" ]; then
  ctest --test-dir "$native_dir" --output-on-failure --output-junit "$PWD/$results/native.xml" | tee "$results/ctest.log"
  native_passed=$(grep -c '<testcase' "$results/native.xml" 2>/dev/null || echo 0)
  native_failed=$(grep -o 'failures="[0-9]*"' "$results/native.xml" | head -1 | grep -o '[0-9]*' || echo 0)
  native_passed=$((native_passed - native_failed))
else
  echo "error: the native test suite was not built ($native_dir)" >&2
  native_failed=1
fi

dotnet test LabelLoop.sln -c "$config" --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results"
dotnet_rc=$?

passed=$native_passed failed=$native_failed skipped=0
shopt -s nullglob
trx_files=("$results"/*.trx)
for trx in "${trx_files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  p=$(get passed); f=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  passed=$((passed + p)); failed=$((failed + f + e)); skipped=$((skipped + t - x))
done
if [ ${#trx_files[@]} -eq 0 ] || { [ $dotnet_rc -ne 0 ] && [ $failed -eq 0 ]; }; then
  echo "error: dotnet test failed before reporting results (exit $dotnet_rc)" >&2
  failed=$((failed + 1))
fi

# Databases left behind by a crashed test run.
psql -h /var/run/postgresql -d postgres -tAq -c "SELECT datname FROM pg_database WHERE datname LIKE 'labelloop_test_%'" 2>/dev/null |
  while read -r db; do [ -n "$db" ] && psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
