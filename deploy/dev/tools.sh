#!/usr/bin/env bash
# Makes sure the tools the tests use are present:
#   - Chromium (Debian's chromium), which the end-to-end tests drive;
#   - Node.js and npm, and the npm packages pinned in .ci/tools/package-lock.json: axe-core (accessibility
#     audit injected into pages) and @stoplight/spectral-cli (OpenAPI lint).
#
# Usage: deploy/dev/tools.sh
#
# Environment:
#   CHROMIUM_PATH  the browser the tests run (default /usr/bin/chromium).
#   CI             when set (and not "false" or "0"), a missing Chromium is an error; otherwise a warning.
#
# As root with apt-get, missing Debian packages (chromium, nodejs, npm) are installed. The npm packages are
# installed with `npm ci` into .ci/tools/node_modules, and only again when package.json or the lock changes.
# Prints nothing on stdout; progress goes to stderr. Exits non-zero when a required tool is missing.
# Works from any directory.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd -- "$here/../.." && pwd -P)
tools=$root/.ci/tools

log() { printf 'tools.sh: %s\n' "$*" >&2; }
die() {
	printf 'tools.sh: %s\n' "$@" >&2
	exit 1
}

can_install() { [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; }

updated=""
apt_install() {
	log "installing $* with apt-get"
	if [[ -z $updated ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
		updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

in_ci() { [[ -n ${CI:-} && ${CI:-} != false && ${CI:-} != 0 ]]; }

# --- Chromium ----------------------------------------------------------------------------------------

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $chromium && $chromium == /usr/bin/chromium ]] && can_install; then
	apt_install chromium
fi
if [[ ! -x $chromium ]]; then
	msg=("Chromium is not at $chromium, so the browser tests cannot run."
		"Install it (sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.")
	in_ci && die "${msg[@]}"
	for m in "${msg[@]}"; do log "warning: $m"; done
fi

# --- Node.js and npm ---------------------------------------------------------------------------------

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]} > 0)) && can_install; then
	apt_install "${missing[@]}"
	missing=()
	command -v node >/dev/null 2>&1 || missing+=(nodejs)
	command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
((${#missing[@]} == 0)) ||
	die "Node.js and npm are needed for the API lint and the accessibility audit, and ${missing[*]} is missing." \
		"Install them (sudo apt-get install nodejs npm), Node.js 18.18 or newer."

node_major=$(node --version | sed 's/^v\([0-9]*\).*/\1/')
((${node_major:-0} >= 18)) || die "Node.js $(node --version) is too old; 18.18 or newer is needed."

# --- npm packages ------------------------------------------------------------------------------------

stamp=$tools/node_modules/.installed-from
want=$(cat -- "$tools/package.json" "$tools/package-lock.json" | sha256sum | cut -d ' ' -f 1)
if [[ -f $stamp && $(<"$stamp") == "$want" &&
	-f $tools/node_modules/axe-core/axe.min.js && -x $tools/node_modules/.bin/spectral ]]; then
	log "npm packages in .ci/tools are up to date"
else
	log "installing the npm packages pinned in .ci/tools/package-lock.json"
	# No install scripts: the tools need none, and one dependency's only script sends usage statistics.
	npm ci --prefix "$tools" --ignore-scripts --no-audit --no-fund --loglevel=warn >&2
	printf '%s\n' "$want" >"$stamp"
fi
