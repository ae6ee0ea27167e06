#!/usr/bin/env bash
# make subscriptions|doctor ENV=<env>: the operator CLI (crates/cli) with the environment's own
# Terraform outputs (its data directory, as make plan/deploy use it), so that a command for one
# environment can never read another's webhook URL or secret parameter.
#
# Usage: scripts/operator.sh <env> <octo-responder arguments...>   (the CLI gets --env <env>)
# Environment: OCTOPUS_SERVER_URL, and OCTOPUS_ADMIN_API_KEY (subscriptions) or OCTOPUS_API_KEY
# (doctor; else its SSM parameter); WEBHOOK_SECRET (else its SSM parameter, with AWS credentials).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 2 ]] || die "usage: $0 <env> <command...>"
use_env "$1"
shift
# Held in memory and handed over on a pipe: never written to disk.
outputs=$(tf output -json -no-color) || die "could not read the Terraform outputs of $deploy_env"
cd "$repo_root"
cargo run --quiet --locked -p octo-responder-cli -- "$@" --env "$deploy_env" \
  --terraform-outputs <(printf '%s' "$outputs")
