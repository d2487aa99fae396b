#!/usr/bin/env bash
# The registration surge load test: builds the app, starts it against a fresh database, sets up a
# conference with CAPACITY places and a workshop of WORKSHOP_CAPACITY, sends PEOPLE registrations
# from VUS concurrent clients with k6, then checks in SQL that no place was overbooked and no one
# registered twice. Prints k6's summary, the server's resident memory and the checks; writes them to
# var/load/. Run it with `make load-registration` (part of `make bench`).
#
# Environment: PEOPLE (10000), VUS (500), CAPACITY (5000), WORKSHOP_CAPACITY (1000), K6 (bin/k6),
# LOAD_PORT (18090), and PG_ADMIN_URL as for deploy/dev/postgres.sh.
#
# Rate limits are switched off for the run (REGISTRATION_LIMIT_PER_IP=off and
# REGISTRATION_LIMIT_PER_EMAIL=off): every client comes from 127.0.0.1.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"

PEOPLE=${PEOPLE:-10000}
VUS=${VUS:-500}
CAPACITY=${CAPACITY:-5000}
WORKSHOP_CAPACITY=${WORKSHOP_CAPACITY:-1000}
K6=${K6:-$root/bin/k6}
PORT=${LOAD_PORT:-18090}
GO=${GO:-go}
out="$root/var/load"
mkdir -p "$out"

log() { printf 'load test: %s\n' "$*" >&2; }

# CPU seconds (user + system) used so far by the processes named, from /proc/<pid>/stat.
cpu_seconds() {
	local ticks=0 pid f
	for pid in "$@"; do
		[[ -r /proc/$pid/stat ]] || continue
		f=$(sed 's/^.*) //' "/proc/$pid/stat")
		read -r -a a <<<"$f"
		ticks=$((ticks + a[11] + a[12]))
	done
	echo $((ticks / $(getconf CLK_TCK)))
}
postgres_pids() { pgrep -x postgres || true; }

[[ -x $K6 ]] || { log "k6 is not installed at $K6 (make k6)"; exit 1; }

# A fresh database on the development server.
admin=$("$root/deploy/dev/postgres.sh")
psql=psql
command -v psql >/dev/null 2>&1 || psql=$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1)
db=load_registration
"$psql" -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
export DATABASE_URL
DATABASE_URL=$("$root/deploy/dev/database-url.sh" "$db")
export SECRET_KEY
SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

log "building bin/conference"
$GO build -trimpath -o "$root/bin/conference" ./cmd/conference

log "setting up a conference of $CAPACITY places with a workshop of $WORKSHOP_CAPACITY"
eval "$($GO run ./deploy/load/registration setup -capacity "$CAPACITY" -workshop-capacity "$WORKSHOP_CAPACITY")"

base="http://127.0.0.1:$PORT"
APP_ENV=development HTTP_ADDR="127.0.0.1:$PORT" BASE_URL="$base" DATA_DIR="$out/data" LOG_LEVEL=warn \
	REGISTRATION_LIMIT_PER_IP=off REGISTRATION_LIMIT_PER_EMAIL=off \
	"$root/bin/conference" serve >"$out/server.out" 2>"$out/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -fsS "$base/readyz" >/dev/null 2>&1 && break
	sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { log "the server did not start; see $out/server.log"; exit 1; }
rss_idle=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")

log "$PEOPLE registrations from $VUS clients"
status=0
server_cpu0=$(cpu_seconds "$server")
pg_cpu0=$(cpu_seconds $(postgres_pids))
start=$(date +%s)
TIMEFORMAT='%U %S'
{ time "$K6" run --quiet --summary-export="$out/summary.json" -e BASE_URL="$base" -e SLUG="$SLUG" -e WORKSHOP_ID="$WORKSHOP_ID" \
	-e PEOPLE="$PEOPLE" -e VUS="$VUS" "$root/deploy/load/registration.js" >"$out/k6.txt" || status=$?; } 2>"$out/k6.time"
wall=$(($(date +%s) - start))
cat "$out/k6.txt"
read -r k6_user k6_sys <"$out/k6.time"
server_cpu=$(($(cpu_seconds "$server") - server_cpu0))
pg_cpu=$(($(cpu_seconds $(postgres_pids)) - pg_cpu0))

# The confirmation mail keeps going out after the surge: how long until the queue is empty.
queued=$("$psql" -X -qAt -d "$DATABASE_URL" -c "SELECT count(*) FROM email_messages WHERE status = 'queued'")
queued_at_end=$queued
drain_start=$(date +%s)
while [[ $queued != 0 && $(($(date +%s) - drain_start)) -lt 600 ]]; do
	sleep 1
	queued=$("$psql" -X -qAt -d "$DATABASE_URL" -c "SELECT count(*) FROM email_messages WHERE status = 'queued'")
done
drained=$(($(date +%s) - drain_start))

rss_peak=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
rss_end=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
{
	echo "server resident memory: idle $((rss_idle / 1024)) MiB, peak $((rss_peak / 1024)) MiB, after the run $((rss_end / 1024)) MiB"
	printf 'CPU during the %d s run (2 cores = %d CPU seconds): server %d s, PostgreSQL about %d s, k6 %.0f s\n' \
		"$wall" $((2 * wall)) "$server_cpu" "$pg_cpu" "$(awk -v u="$k6_user" -v s="$k6_sys" 'BEGIN {print u + s}')"
	echo "confirmation mail: $queued_at_end messages still queued when the surge ended, delivered $drained s later ($queued left)"
	$GO run ./deploy/load/registration verify -slug "$SLUG" -people "$PEOPLE" -capacity "$CAPACITY" -workshop-capacity "$WORKSHOP_CAPACITY" || status=$?
} | tee "$out/checks.txt"
[[ $status == 0 ]] && log "passed; results in $out" || log "FAILED; results in $out"
exit "$status"
