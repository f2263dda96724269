#!/usr/bin/env bash
# Runs every .NET test project, then prints one line: "N passed, N failed".
set -uo pipefail
config=$1 results=$2
rm -rf "$results" && mkdir -p "$results"
# Test processes share the cores: libtorch's idle threads sleep at once instead of spinning against the others.
export OMP_WAIT_POLICY=PASSIVE

# Every assembly but the browser tests side by side, then the browser tests alone: beside the others on two cores
# (libtorch trainings among them) a first page load could starve past Playwright's 60 s timeout.
dotnet test LabelLoop.sln -c "$config" --no-build --nologo --filter "FullyQualifiedName!~LabelLoop.E2E." \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results"
dotnet_rc=$?
dotnet test tests/LabelLoop.E2E -c "$config" --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results"
e2e_rc=$?
[ $dotnet_rc -ne 0 ] || dotnet_rc=$e2e_rc

passed=0 failed=0 skipped=0
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
