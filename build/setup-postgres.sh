#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster if it is down and gives the invoking OS user a role that may create
# databases, so Npgsql connects over /var/run/postgresql with peer authentication (no password).
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  echo "error: no PostgreSQL cluster found (is the postgresql package installed?)" >&2
  exit 1
fi
if ! pg_lsclusters --no-header | awk 'NR==1 {print $4}' | grep -q online; then
  echo "Starting PostgreSQL $cluster"
  $sudo pg_ctlcluster $cluster start
fi
user=$(id -un)
if ! $sudo runuser -u postgres -- psql -tAq -c "SELECT 1 FROM pg_roles WHERE rolname = '$user'" | grep -q 1; then
  echo "Creating PostgreSQL role $user"
  $sudo runuser -u postgres -- createuser --superuser "$user"
fi
