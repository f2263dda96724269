#!/usr/bin/env bash
# The README's screenshots (docs/images): a fresh server on a temporary data folder with the Fashion-MNIST sample,
# driven by build/screenshots.mjs in Debian's Chromium. Run by `make screenshots` after `make build`.
set -euo pipefail
cli=${CLI_DLL:-artifacts/bin/LabelLoop.Cli/release/labelloop.dll}
url=${SCREENSHOT_URL:-http://127.0.0.1:5077}
data=$(mktemp -d)
log="$data/serve.log"
dotnet "$cli" serve --urls "$url" --data-dir "$data" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
# The sample is imported before the server listens: the login page answering means it is there.
for _ in $(seq 1 300); do
  curl -fs -o /dev/null "$url/login" && break
  sleep 1
done
email=$(grep -m1 "email:" "$log" | awk '{print $2}')
password=$(grep -m1 "password:" "$log" | awk '{print $2}')
[ -n "$password" ] || { echo "error: the server printed no admin login" >&2; cat "$log" >&2; exit 1; }
node build/screenshots.mjs "$url" "$email" "$password" docs/images
