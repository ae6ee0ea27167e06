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

test: venv lint ## lint, then every test (starts and stops its own moto server and Octopus simulator)
	cargo test --workspace --locked

demo: venv ## run both functions locally against moto and the Octopus simulator
	cargo run --quiet --locked -p demo

build: ## debug build of the workspace
	cargo build --workspace --locked

package: venv ## the two Lambda zips for arm64 in target/lambda/<function>/bootstrap.zip
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip \
		--bin accept-message --bin process-message --locked

bench: package ## measure cold start, memory, zip size, Octopus round trips; fails when a budget is missed
	cargo build --release --locked -p accept-message -p process-message
	cargo run --quiet --locked --profile bench-tool -p bench -- . target/bench/report.json docs/performance.md 15

clean: ## remove build output and the venv
	cargo clean
	rm -rf $(VENV)
