#!/usr/bin/env bash
# Prints the URL of database NAME on the development server, creating the database if it is missing.
#
# Usage: deploy/dev/database-url.sh NAME
#
# The server is the one deploy/dev/postgres.sh finds or starts (see there for PG_ADMIN_URL, PG_SKIP_DEFAULT
# and PG_PRIVATE_PORT). The printed URL keeps that server's scheme, user, password, host, port and query
# parameters and names NAME as the database; it adds sslmode=disable when no sslmode is given.
# Exactly one line goes to stdout; progress and errors go to stderr. Works from any directory.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)

die() {
	printf 'database-url.sh: %s\n' "$@" >&2
	exit 1
}

[[ $# == 1 ]] || die "usage: deploy/dev/database-url.sh NAME"
name=$1
# The name goes into a URL path and stays a plain identifier in SQL.
[[ $name =~ ^[A-Za-z_][A-Za-z0-9_-]{0,62}$ ]] ||
	die "database name '$name' must be letters, digits, _ or -, start with a letter or _, at most 63 characters"

admin=$("$here/postgres.sh")

psql=psql
if ! command -v psql >/dev/null 2>&1; then
	psql=$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1 || true)
	[[ -n $psql ]] || die "psql is not installed (e.g. sudo apt-get install postgresql-client)"
fi

# Statements go on stdin: psql substitutes variables such as :'name' there, not in -c strings.
exists() {
	[[ $("$psql" -X -w -q -At -d "$admin" -v name="$name" <<<"select 1 from pg_database where datname = :'name'") == 1 ]]
}

if ! exists; then
	printf 'database-url.sh: creating database %s\n' "$name" >&2
	if ! err=$("$psql" -X -w -q -d "$admin" -v ON_ERROR_STOP=1 -v name="$name" 2>&1 >/dev/null <<'SQL'
select format('create database %I', :'name') \gexec
SQL
	); then
		# Another process may have created it meanwhile.
		exists || die "could not create database $name: $err"
	fi
fi

# Build NAME's URL from the admin URL: scheme://authority/NAME?query, without any dbname= parameter.
scheme=${admin%%://*}
rest=${admin#*://}
query=""
if [[ $rest == *\?* ]]; then
	query=${rest#*\?}
	rest=${rest%%\?*}
fi
authority=${rest%%/*}

params=()
ssl=""
if [[ -n $query ]]; then
	IFS='&' read -r -a parts <<<"$query"
	for p in "${parts[@]}"; do
		case $p in
		dbname=*) ;;
		sslmode=*)
			ssl=1
			params+=("$p")
			;;
		"") ;;
		*) params+=("$p") ;;
		esac
	done
fi
[[ -n $ssl ]] || params+=("sslmode=disable")

url="$scheme://$authority/$name"
((${#params[@]} == 0)) || url+="?$(
	IFS='&'
	printf '%s' "${params[*]}"
)"
printf '%s\n' "$url"
