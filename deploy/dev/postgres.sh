#!/usr/bin/env bash
# Finds or starts the PostgreSQL server that development and the tests use.
#
# Usage: deploy/dev/postgres.sh [start|status|stop|destroy]
#
#   start (default)  Prints exactly one line on stdout: the libpq URL of a reachable server's maintenance
#                    database, e.g. postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable.
#                    The server is chosen in this order:
#                      1. PG_ADMIN_URL, when set. It must answer; if it does not, the script fails rather
#                         than quietly using another server.
#                      2. postgres@127.0.0.1:5432 with trust authentication (not tried when PG_SKIP_DEFAULT=1).
#                      3. A private cluster in var/postgres, listening on 127.0.0.1 port PG_PRIVATE_PORT
#                         (default 5433) only, with trust authentication for user postgres. It is created on
#                         first use and started when stopped. PostgreSQL 15 or newer is looked for in
#                         /usr/lib/postgresql/*/bin (highest version), then on PATH; as root with apt-get it is
#                         installed when missing.
#   status           Exits 0 when the private cluster runs, 3 when it does not.
#   stop             Stops the private cluster if it runs.
#   destroy          Stops the private cluster and deletes its files.
#
# Progress and errors go to stderr. Works from any directory.
#
# When run as root, the private cluster belongs to the postgres system user (initdb refuses root). If that
# user cannot reach the repository (e.g. a checkout under a 0700 home directory), the cluster lives under
# /var/tmp/conference-<name>-<hash of the repository path> instead, and the script says so.
set -euo pipefail

# Everything goes to stderr except the final URL, which is written to fd 3. Processes that outlive this
# script (the postmaster) must not inherit fd 3 or the lock, or a caller reading our stdout would wait forever.
exec 3>&1 1>&2

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd -- "$here/../.." && pwd -P)
cd /

min_major=15
default_url='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
port=${PG_PRIVATE_PORT:-5433}

log() { printf 'postgres.sh: %s\n' "$*"; }
die() {
	printf 'postgres.sh: %s\n' "$@"
	exit 1
}

is_root() { [[ $(id -u) == 0 ]]; }
can_install() { is_root && command -v apt-get >/dev/null 2>&1; }

# The package scripts may start a server, which must not inherit fd 3 either.
apt_install() {
	log "installing $* with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get update -q 3>&- 9>&-
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" 3>&- 9>&-
}

cannot_start() {
	die "$1" \
		"Do one of these, then run this again:" \
		"  - install PostgreSQL ${min_major} or newer, e.g.: sudo apt-get install postgresql" \
		"  - or point to a server you already have, as a URL of a database where you may create databases:" \
		"      export PG_ADMIN_URL='postgres://USER:PASSWORD@HOST:5432/postgres?sslmode=disable'" \
		"    or give make the database directly: make test TEST_DATABASE_URL=..., make run DATABASE_URL=..."
}

# Directory of the newest PostgreSQL server binaries, or nothing.
find_bindir() {
	local d best=""
	while IFS= read -r d; do
		[[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] && best=$d
	done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
	if [[ -z $best ]] && command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
		best=$(dirname -- "$(command -v pg_ctl)")
	fi
	printf '%s' "$best"
}

# psql for probing servers: PATH first, then the newest Debian client.
find_psql() {
	local p=""
	if command -v psql >/dev/null 2>&1; then
		p=$(command -v psql)
	else
		p=$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1 || true)
	fi
	printf '%s' "$p"
}

# answers URL: true when a server at URL accepts the connection; the reason goes to $probe_error.
probe_error=""
answers() {
	probe_error=$(PGCONNECT_TIMEOUT=5 "$psql" -X -w -q -At -d "$1" -c 'select 1' 2>&1 </dev/null >/dev/null) && return 0
	return 1
}

major_of() { # major version of the binaries in a bin directory
	"$1/pg_ctl" --version | sed -n 's/.*) \([0-9][0-9]*\).*/\1/p'
}

# --- where the private cluster lives ----------------------------------------------------------------

# locate: sets state (the directory that holds the cluster, its log and lock), data and logfile.
locate() {
	state=$root/var
	fallback_note=""
	if is_root && getent passwd postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
		local name hash
		name=$(basename -- "$root" | sed 's/[^A-Za-z0-9._-]/_/g')
		hash=$(printf '%s' "$root" | sha256sum | cut -c 1-12)
		state=/var/tmp/conference-$name-$hash
		fallback_note="the postgres user cannot reach $root, so the private cluster lives in $state"
	fi
	data=$state/postgres
	logfile=$state/postgres.log
}
locate

# as_pg CMD...: runs CMD as the owner of the cluster, without our stdout (fd 3) or lock (fd 9).
as_pg() {
	if is_root; then
		runuser -u postgres -- "$@" 3>&- 9>&-
	else
		"$@" 3>&- 9>&-
	fi
}

cluster_bindir() { # binaries matching an existing cluster's version, else the newest
	local want=""
	[[ -f $data/PG_VERSION ]] && want=$(<"$data/PG_VERSION")
	if [[ -n $want && -x /usr/lib/postgresql/$want/bin/pg_ctl ]]; then
		printf '%s' "/usr/lib/postgresql/$want/bin"
	else
		find_bindir
	fi
}

running() { # true when the private cluster runs
	local bindir
	[[ -f $data/PG_VERSION ]] || return 1
	bindir=$(cluster_bindir)
	[[ -n $bindir ]] || return 1
	as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

stop_cluster() {
	if running; then
		log "stopping the private cluster in $data"
		as_pg "$(cluster_bindir)/pg_ctl" -D "$data" -m fast -w stop
	else
		log "the private cluster is not running"
	fi
}

lock() { # serialize concurrent runs (parallel make, two terminals)
	mkdir -p -- "$state"
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$state/postgres.lock"
		flock 9
	fi
}

case ${1:-start} in
start) ;;
status)
	running && exit 0
	exit 3
	;;
stop)
	stop_cluster
	exit 0
	;;
destroy)
	stop_cluster
	log "removing $data and $logfile"
	rm -rf -- "$data" "$logfile" "$state/postgres.lock"
	[[ $state == "$root/var" ]] || rmdir -- "$state" 2>/dev/null || true
	exit 0
	;;
*) die "unknown command '$1' (want start, status, stop or destroy)" ;;
esac

if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
	die "PG_PRIVATE_PORT must be a TCP port number, not '$port'"
fi

# --- 1. PG_ADMIN_URL ---------------------------------------------------------------------------------

psql=$(find_psql)
if [[ -z $psql ]] && can_install; then
	if [[ -n ${PG_ADMIN_URL:-} ]]; then apt_install postgresql-client; else apt_install postgresql; fi
	psql=$(find_psql)
fi

if [[ -n ${PG_ADMIN_URL:-} ]]; then
	[[ $PG_ADMIN_URL == postgres://* || $PG_ADMIN_URL == postgresql://* ]] ||
		die "PG_ADMIN_URL must be a URL (postgres://user:password@host:port/postgres?sslmode=...)"
	[[ -n $psql ]] || cannot_start "psql is not installed, so PG_ADMIN_URL cannot be checked."
	if answers "$PG_ADMIN_URL"; then
		log "using PG_ADMIN_URL"
		printf '%s\n' "$PG_ADMIN_URL" >&3
		exit 0
	fi
	die "PG_ADMIN_URL is set but the server does not answer: ${probe_error:-no reason given}" \
		"Start that server, fix PG_ADMIN_URL, or unset it to use a local server."
fi

# --- 2. the usual local server -----------------------------------------------------------------------

try_default() {
	[[ ${PG_SKIP_DEFAULT:-} == 1 || -z $psql ]] && return 1
	answers "$default_url" || return 1
	log "using the server on 127.0.0.1:5432"
	printf '%s\n' "$default_url" >&3
	exit 0
}
try_default || true

# --- 3. the private cluster --------------------------------------------------------------------------

bindir=$(cluster_bindir)
if [[ -z $bindir ]]; then
	can_install || cannot_start "PostgreSQL is not installed (looked in /usr/lib/postgresql/*/bin and on PATH)."
	apt_install postgresql
	locate # the package adds the postgres user, which may not reach the repository
	psql=$(find_psql)
	# The Debian package may create and start a cluster on 5432; use it if it lets us in.
	try_default || true
	bindir=$(cluster_bindir)
	[[ -n $bindir ]] || cannot_start "apt-get install postgresql did not provide initdb and pg_ctl."
fi
[[ -n $psql ]] || psql=$bindir/psql
major=$(major_of "$bindir")
((${major:-0} >= min_major)) ||
	cannot_start "found PostgreSQL ${major:-of unknown version} in $bindir; version $min_major or newer is needed."

if is_root; then
	getent passwd postgres >/dev/null 2>&1 ||
		die "running as root, but there is no postgres system user to own the cluster (initdb refuses root)." \
			"Create one (useradd --system postgres), run as a normal user, or set PG_ADMIN_URL."
fi
[[ -z $fallback_note ]] || log "$fallback_note"

lock

if is_root && [[ $state == "$root/var" ]] && ! runuser -u postgres -- test -x "$state"; then
	log "allowing the postgres user through $state (search permission only)"
	chmod o+x -- "$state"
fi

if [[ ! -f $data/PG_VERSION ]]; then
	if [[ -d $data ]] && [[ -n $(ls -A -- "$data") ]]; then
		die "$data exists but holds no cluster; remove it (make clean-all) and run this again."
	fi
	log "creating a private cluster in $data with PostgreSQL $major"
	mkdir -p -- "$data"
	chmod 0700 -- "$data"
	is_root && chown postgres:postgres -- "$data"
	locale=C
	locale -a 2>/dev/null | grep -qix 'c\.utf-\?8' && locale=C.UTF-8
	as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale="$locale" >/dev/null
	sockets=$data
	# A Unix socket path is limited to 107 bytes; with a deep checkout, serve TCP only.
	((${#data} + 16 > 107)) && sockets=""
	as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# Development and test cluster made by deploy/dev/postgres.sh: loopback only, trust authentication.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockets'
max_connections = 200
# Tests commit a lot; losing the last few commits of a development database on a crash is acceptable.
synchronous_commit = off
EOF
else
	have=$(<"$data/PG_VERSION")
	[[ $have == "$major" ]] ||
		die "the private cluster in $data was made by PostgreSQL $have, but only $major is installed." \
			"Install PostgreSQL $have, or remove the cluster with make clean-all (its data is lost)."
fi

if ! running; then
	log "starting the private cluster on 127.0.0.1:$port (log: $logfile)"
	touch -- "$logfile"
	is_root && chown postgres:postgres -- "$logfile"
	if ! as_pg "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t 60 -o "-p $port" start >/dev/null; then
		tail -n 20 -- "$logfile" || true
		die "the private cluster did not start (see $logfile above)." \
			"If port $port is taken by another program, choose another: PG_PRIVATE_PORT=5434"
	fi
fi

running_port=$(sed -n 4p "$data/postmaster.pid" 2>/dev/null || true)
[[ $running_port =~ ^[0-9]+$ ]] || running_port=$port
if [[ $running_port != "$port" && -n ${PG_PRIVATE_PORT:-} ]]; then
	log "the private cluster already runs on port $running_port; stop it (deploy/dev/postgres.sh stop) to move it to $port"
fi

url="postgres://postgres@127.0.0.1:$running_port/postgres?sslmode=disable"
answers "$url" || die "the private cluster runs but does not answer at $url: ${probe_error:-no reason given}"
log "using the private cluster on 127.0.0.1:$running_port"
printf '%s\n' "$url" >&3
