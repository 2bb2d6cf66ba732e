# Crossdock's one entry point: tools, code generation, checks, tests, the local mesh
# and the benchmarks. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN := $(CURDIR)/.bin
export PATH := $(BIN):$(PATH)

# Pinned tool versions. Tools live in .bin/ (git-ignored) and never enter our modules,
# so their dependencies cannot leak into the services' go.mod files. Each installs
# once; after changing a version here, remove .bin/ (or the one tool) to reinstall.
BUF_VERSION                := 1.75.0
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
GRPC_GATEWAY_VERSION       := v2.32.0
GOOSE_VERSION              := v3.29.0
# staticcheck 2026.2.2; the module's tags are v0.x.y and 0.8 supports Go 1.26.
STATICCHECK_VERSION        := v0.8.2

BUF                 := $(BIN)/buf
PROTOC_GEN_GO       := $(BIN)/protoc-gen-go
PROTOC_GEN_GO_GRPC  := $(BIN)/protoc-gen-go-grpc
PROTOC_GEN_GATEWAY  := $(BIN)/protoc-gen-grpc-gateway
PROTOC_GEN_OPENAPI  := $(BIN)/protoc-gen-openapiv2
GOOSE               := $(BIN)/goose
STATICCHECK         := $(BIN)/staticcheck
TOOLS := $(BUF) $(PROTOC_GEN_GO) $(PROTOC_GEN_GO_GRPC) $(PROTOC_GEN_GATEWAY) \
	$(PROTOC_GEN_OPENAPI) $(GOOSE) $(STATICCHECK)

# GOWORK=off: a tool resolves its own pinned dependencies, never the workspace's.
GO_INSTALL := GOWORK=off GOBIN=$(BIN) go install

# The directory of every module listed in go.work.
MODULES = $(shell go list -m -f '{{.Dir}}')

# Shell test, true when the module in $$dir has Go packages: go vet and go test fail
# on a module that has none yet. A module whose packages cannot even be listed counts
# as having some, so the command that follows reports the error.
HAS_PACKAGES = { pkgs=$$(cd "$$dir" && go list -e ./... 2>/dev/null) || pkgs=unlisted; [ -n "$$pkgs" ]; }

ARGS ?=

.PHONY: help tools generate check-generated breaking baseline test test-go run bench \
	lint lint-proto lint-gofmt lint-vet lint-staticcheck lint-work-sync images

help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

## Tools ---------------------------------------------------------------------------

tools: $(TOOLS) ## Install the pinned tools into .bin/.

# buf comes from npm: the package ships the release binary, which installs in seconds
# where building it from source takes minutes.
$(BUF):
	@mkdir -p $(BIN)
	npm install --silent --no-audit --no-fund --prefix $(BIN)/npm @bufbuild/buf@$(BUF_VERSION)
	ln -sf npm/node_modules/.bin/buf $@
	@$@ --version

$(PROTOC_GEN_GO):
	$(GO_INSTALL) google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

$(PROTOC_GEN_GO_GRPC):
	$(GO_INSTALL) google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

$(PROTOC_GEN_GATEWAY):
	$(GO_INSTALL) github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GRPC_GATEWAY_VERSION)

$(PROTOC_GEN_OPENAPI):
	$(GO_INSTALL) github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GRPC_GATEWAY_VERSION)

# Only the PostgreSQL driver: the other drivers pull in modules the proxy does not serve.
GOOSE_TAGS := no_clickhouse no_libsql no_mssql no_azuresql no_mysql no_sqlite3 no_vertica no_ydb

$(GOOSE):
	$(GO_INSTALL) -tags '$(GOOSE_TAGS)' github.com/pressly/goose/v3/cmd/goose@$(GOOSE_VERSION)

$(STATICCHECK):
	$(GO_INSTALL) honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## Contracts -----------------------------------------------------------------------

# The npm packages `make generate` runs, pinned by their package-lock.json files and
# installed with `npm ci` when a lock changes: scripts/openapi builds and validates
# the OpenAPI 3.1 document and supplies the reference page (swagger-ui-dist);
# clients/typescript generates the TypeScript client's types. Install scripts never
# run: nothing here needs one.
NPM_CI := npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
OPENAPI_TOOLS := scripts/openapi/node_modules/.package-lock.json
CLIENT_TOOLS  := clients/typescript/node_modules/.package-lock.json

$(OPENAPI_TOOLS): scripts/openapi/package-lock.json
	cd scripts/openapi && $(NPM_CI)

$(CLIENT_TOOLS): clients/typescript/package-lock.json
	cd clients/typescript && $(NPM_CI)

# Everything `make generate` writes, and check-generated compares with git: the Go
# code and documents under gen/, the TypeScript client's types, and the reference
# page's files embedded in the gateway.
GENERATED := gen clients/typescript/src/schema.ts services/gateway/internal/docsui/swagger-ui

# The plugins' previous output is removed first, so a deleted .proto leaves nothing
# behind; hand-written files in gen/ (go.mod, openapi/openapi.go) are kept. Then the
# Swagger 2.0 document becomes the validated OpenAPI 3.1 document, which the
# TypeScript client's types are generated from, and the reference page's files are
# copied from the pinned swagger-ui-dist.
generate: $(BUF) $(PROTOC_GEN_GO) $(PROTOC_GEN_GO_GRPC) $(PROTOC_GEN_GATEWAY) $(PROTOC_GEN_OPENAPI) $(OPENAPI_TOOLS) $(CLIENT_TOOLS) ## Regenerate gen/, the TypeScript client and the reference page from proto/.
	find gen \( -name '*.pb.go' -o -name '*.pb.gw.go' -o -name '*.swagger.json' -o -name '*.openapi.json' \) -type f -delete
	$(BUF) generate
	gofmt -w gen
	node scripts/openapi/swagger-public.mjs gen/openapi/crossdock.swagger.json proto/openapi-v3.yaml
	$(BUF) build proto --exclude-source-info -o '$(BIN)/descriptors.json#format=json'
	node scripts/openapi/build.mjs gen/openapi/crossdock.swagger.json proto/openapi-v3.yaml $(BIN)/descriptors.json gen/openapi/crossdock.openapi.json
	cd clients/typescript && npx --no-install openapi-typescript ../../gen/openapi/crossdock.openapi.json --output src/schema.ts --root-types --root-types-no-schema-prefix --silent
	rm -rf services/gateway/internal/docsui/swagger-ui && mkdir -p services/gateway/internal/docsui/swagger-ui
	cp $(addprefix scripts/openapi/node_modules/swagger-ui-dist/,swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE) \
		services/gateway/internal/docsui/swagger-ui/

check-generated: generate ## Fail if gen/, the client's types or the reference page differ from what proto/ generates.
	@changes=$$(git status --porcelain -- $(GENERATED)); \
	if [ -n "$$changes" ]; then \
		echo "gen/ is out of date: it differs from what proto/ generates (changed or untracked" >&2; \
		echo "files below). Run 'make generate' and commit the result with the .proto change." >&2; \
		echo "$$changes" >&2; \
		exit 1; \
	fi

breaking: $(BUF) ## Fail on wire-incompatible changes against proto/baseline.binpb.
	$(BUF) breaking proto --against proto/baseline.binpb

baseline: $(BUF) ## Record the current contracts as the breaking-change baseline.
	$(BUF) build proto --exclude-source-info -o proto/baseline.binpb

## Checks --------------------------------------------------------------------------

lint: lint-proto breaking lint-gofmt lint-vet lint-staticcheck lint-work-sync ## buf lint and breaking, gofmt, go vet, staticcheck, go.work sync.

lint-proto: $(BUF)
	$(BUF) lint
	$(BUF) format --diff --exit-code proto

# Every .go file in the repository, generated ones included, must be gofmt-clean.
lint-gofmt:
	@unformatted=$$(find . \( -path ./.bin -o -path ./.git -o -path ./.crossdock -o -name node_modules \) -prune \
		-o -name '*.go' -type f -print0 | xargs -0 -r gofmt -l); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt would change these files (run gofmt -w on them):" >&2; \
		echo "$$unformatted" >&2; \
		exit 1; \
	fi

# go vet runs in each module: ./... at the root does not reach the nested modules.
lint-vet:
	@failed=""; \
	for dir in $(MODULES); do \
		if ! $(HAS_PACKAGES); then echo "go vet in $$dir: no packages"; continue; fi; \
		echo "go vet in $$dir"; \
		(cd "$$dir" && go vet ./...) || failed="$$failed $$dir"; \
	done; \
	if [ -n "$$failed" ]; then echo "go vet failed in:$$failed" >&2; exit 1; fi

# staticcheck runs in each module, like go vet, with its default checks: a finding is
# fixed, or, where the code means it, ignored on that line with //lint:ignore and why.
lint-staticcheck: $(STATICCHECK)
	@failed=""; \
	for dir in $(MODULES); do \
		if ! $(HAS_PACKAGES); then echo "staticcheck in $$dir: no packages"; continue; fi; \
		echo "staticcheck in $$dir"; \
		(cd "$$dir" && $(STATICCHECK) ./...) || failed="$$failed $$dir"; \
	done; \
	if [ -n "$$failed" ]; then echo "staticcheck failed in:$$failed" >&2; exit 1; fi

# Shared dependency versions must already be aligned, so `go work sync` must change
# nothing. Every go.mod/go.sum is saved first and put back afterwards: only a change
# the sync itself makes counts, and the check never leaves the tree changed.
lint-work-sync:
	@saved=$$(mktemp -d); drift=""; \
	for dir in $(MODULES); do for f in go.mod go.sum; do \
		if [ -f "$$dir/$$f" ]; then cp "$$dir/$$f" "$$saved/$$(echo "$$dir/$$f" | tr / _)"; fi; \
	done; done; \
	synced=yes; go work sync || synced=no; \
	for dir in $(MODULES); do for f in go.mod go.sum; do \
		copy="$$saved/$$(echo "$$dir/$$f" | tr / _)"; \
		if [ -f "$$copy" ]; then \
			cmp -s "$$copy" "$$dir/$$f" || { drift="$$drift $$dir/$$f"; cp "$$copy" "$$dir/$$f"; }; \
		elif [ -f "$$dir/$$f" ]; then \
			drift="$$drift $$dir/$$f"; rm -f "$$dir/$$f"; \
		fi; \
	done; done; \
	rm -rf "$$saved"; \
	if [ "$$synced" = no ]; then echo "go work sync failed" >&2; exit 1; fi; \
	if [ -n "$$drift" ]; then \
		echo "go work sync would change:$$drift" >&2; \
		echo "Run 'go work sync', review and commit the result." >&2; \
		exit 1; \
	fi; \
	echo "go work sync: no drift"

## Tests ---------------------------------------------------------------------------

test: lint check-generated ## Every check, then every module's tests.
	bash scripts/test-check-generated.sh
	@$(MAKE) --no-print-directory test-go

# Modules are tested one at a time (go decides the parallelism inside each), and all of
# them run even when one fails, so a single run shows every failure. The exception is
# the root module, which holds the end-to-end suite: it runs beside the others from
# the start, its output shown when it ends. Its tests drive a whole mesh of real
# processes and spend most of their time waiting on it (about a third of two cores,
# seven minutes alone on a 2-core machine), so beside the others the whole run is
# shorter by most of those minutes; its deadlines are long enough for a shared
# machine, and its timeout (-timeout 25m, unless GO_TEST_FLAGS sets one) leaves room
# for the sharing. Every package runs under the race detector: the kit, the relays
# and consumers, the services' concurrent use cases and the e2e harness all share
# memory across goroutines, and a race found only in production is the costly kind.
# GO_TEST_FLAGS overrides it (e.g. GO_TEST_FLAGS=-count=1 for a quicker run without
# the detector).
GO_TEST_FLAGS ?= -race -count=1

# The module whose tests run beside the others (see above): the root module, its
# directory as go lists it in MODULES.
BESIDE_MODULE = $(strip $(shell go list -m -f '{{if eq .Path "github.com/crossdock/crossdock"}}{{.Dir}}{{end}}'))

test-go: ## Only the Go tests of every module (with the race detector).
	@passed=0; failed=0; skipped=0; failures=""; \
	beside_dir="$(BESIDE_MODULE)"; beside_log=$$(mktemp); \
	(cd "$$beside_dir" && go test -timeout 25m $(GO_TEST_FLAGS) ./...) >"$$beside_log" 2>&1 & beside=$$!; \
	trap 'kill $$beside 2>/dev/null; cat "$$beside_log"; rm -f "$$beside_log"; exit 130' INT TERM; \
	echo "== go test in $$beside_dir: beside the others, its output when it ends"; \
	for dir in $(MODULES); do \
		if [ "$$dir" = "$$beside_dir" ]; then continue; fi; \
		if ! $(HAS_PACKAGES); then echo "== go test in $$dir: no packages"; skipped=$$((skipped + 1)); continue; fi; \
		echo "== go test in $$dir"; \
		if (cd "$$dir" && go test $(GO_TEST_FLAGS) ./...); then \
			passed=$$((passed + 1)); \
		else \
			failed=$$((failed + 1)); failures="$$failures $$dir"; \
		fi; \
	done; \
	echo "== go test in $$beside_dir (ran beside the others)"; \
	if wait $$beside; then passed=$$((passed + 1)); else failed=$$((failed + 1)); failures="$$failures $$beside_dir"; fi; \
	cat "$$beside_log"; rm -f "$$beside_log"; \
	if [ -n "$$failures" ]; then echo "modules with failing tests:$$failures"; fi; \
	echo "modules: $$passed passed, $$failed failed, $$skipped skipped"; \
	[ "$$failed" -eq 0 ]

## Running -------------------------------------------------------------------------

# The CLI is built, not `go run`: the go command exits 1 when it sees Ctrl-C
# even if crossdock stopped cleanly, which make would report as a failure.
run: ## Start the whole mesh locally (pass flags with ARGS="...").
	go build -o $(BIN)/crossdock ./cmd/crossdock
	$(BIN)/crossdock up $(ARGS)

# Without a Docker engine: each service is compiled here and assembled into an
# image in Go (deploy/images), then pushed. REGISTRY=127.0.0.1:5000 INSECURE=1
# for a registry on loopback; TAG is a release version for production.
REGISTRY ?=
TAG ?= dev
images: ## Build and push every service's image (REGISTRY=..., TAG=dev, INSECURE=1).
	go run ./deploy/cmd/images -registry "$(REGISTRY)" -tag "$(TAG)" $(if $(INSECURE),-insecure)

bench: ## Run the benchmarks and the load generator.
	bash scripts/bench.sh
