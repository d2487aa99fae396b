# Build, run and test the conference platform. `make help` lists the targets.
#
# Variables (environment or command line):
#   DATABASE_URL       database for `make run` (default: database "conference" on the server that
#                      deploy/dev/postgres.sh finds or starts)
#   TEST_DATABASE_URL  server for the tests, a URL of a database where the tests may create and drop
#                      databases (default: the output of deploy/dev/postgres.sh)
#   CHROMIUM_PATH      browser for the end-to-end tests (default /usr/bin/chromium)
#   AXE_JS             axe-core script for the accessibility audit (default: the pinned copy in .ci/tools)
#   OPENAPI            API contract checked by lint-api (default api/openapi.yaml)
#   VERSION            version stamped into the binary (default: git describe, or "dev")
#   PEOPLE, VUS, CAPACITY, WORKSHOP_CAPACITY
#                      size of the registration load test (default 10000 people, 500 clients, 5000
#                      places, a workshop of 1000); see deploy/load/run.sh

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
GOFMT ?= gofmt
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
OPENAPI ?= api/openapi.yaml

DEV := $(CURDIR)/deploy/dev
NODE_TOOLS := $(CURDIR)/.ci/tools/node_modules

CHROMIUM_PATH ?= /usr/bin/chromium
AXE_JS ?= $(NODE_TOOLS)/axe-core/axe.min.js

# Shell prelude for test and bench: find or start PostgreSQL unless TEST_DATABASE_URL is given.
# Written as a plain assignment so that a failure of postgres.sh stops the recipe.
test_env = if [[ -z "$${TEST_DATABASE_URL:-}" ]]; then TEST_DATABASE_URL=$$("$(DEV)/postgres.sh"); fi; \
	export TEST_DATABASE_URL CHROMIUM_PATH="$(CHROMIUM_PATH)" AXE_JS="$(AXE_JS)";

.PHONY: help run build tools lint-api vet fmt test bench bench-surge bench-program clean clean-all db-stop load-tools load-registration

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

run: ## Serve on :8080 with Challenging Norms seeded, against a development database (migrations applied at start).
	@url="$${DATABASE_URL:-}"; \
	if [[ -z "$$url" ]]; then url=$$("$(DEV)/database-url.sh" conference); fi; \
	$(GO) build -o bin/conference ./cmd/conference; \
	DATABASE_URL="$$url" bin/conference seed challenging-norms; \
	DATABASE_URL="$$url" exec bin/conference serve

build: ## Build bin/conference.
	$(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/conference ./cmd/conference

tools: ## Install what the tests need: Chromium, Node.js, the pinned npm packages.
	@"$(DEV)/tools.sh"

lint-api: tools ## Lint the OpenAPI contract (warnings fail too).
	@if [[ ! -f "$(OPENAPI)" ]]; then echo "lint-api: $(OPENAPI) does not exist" >&2; exit 1; fi
	"$(NODE_TOOLS)/.bin/spectral" lint --ruleset api/.spectral.yaml --fail-severity=warn "$(OPENAPI)"

vet: ## go vet.
	$(GO) vet ./...

fmt: ## Fail if gofmt would change a file.
	@out=$$(git ls-files -z -co --exclude-standard -- '*.go' ':(exclude)*testdata/*' | xargs -0 -r $(GOFMT) -l); \
	if [[ -n "$$out" ]]; then echo "gofmt would change these files (run gofmt -w):" >&2; echo "$$out" >&2; exit 1; fi

test: lint-api vet ## Lint the API, vet, and run every test with the race detector.
	@$(test_env) set -x; $(GO) test -race -count=1 -timeout 20m ./...

bench: ## Run the Go benchmarks, then the deadline surge (load-registration and bench-program run on their own). No tests.
	@$(test_env) set -x; $(GO) test -run '^$$' -bench . -benchmem ./...
	@"$(CURDIR)/deploy/load/surge.sh"

bench-surge: ## Only the deadline surge: 2,000 submitters x (draft, 3 saves, submit) at 200 clients.
	@"$(CURDIR)/deploy/load/surge.sh"

clean: ## Remove build output (keeps var/, the development database).
	rm -rf bin/

clean-all: clean ## Also delete the private PostgreSQL cluster, var/ and the npm packages.
	"$(DEV)/postgres.sh" destroy
	rm -rf var/ .ci/tools/node_modules/

db-stop: ## Stop the private PostgreSQL cluster if it runs.
	@"$(DEV)/postgres.sh" stop

# The load test tool, pinned, built into bin/ (the module proxy here is a partial mirror: a version
# must be named).
K6_VERSION := v1.8.1
K6 := $(CURDIR)/bin/k6

$(K6):
	GOBIN=$(CURDIR)/bin $(GO) install go.k6.io/k6@$(K6_VERSION)

load-tools: $(K6) ## Install the load test tool (k6) into bin/

load-registration: $(K6) ## The registration surge: 10,000 registrations from 500 clients, checked in SQL.
	@K6="$(K6)" "$(CURDIR)/deploy/load/run.sh"

bench-program: $(K6) ## The program's readers: the program page and the full feed at 200 clients (k6), against a hello-world Echo baseline.
	@K6="$(K6)" "$(CURDIR)/deploy/load/program.sh"

# `make bench` runs the load tests too, before the Go benchmarks.
bench: load-registration bench-program
