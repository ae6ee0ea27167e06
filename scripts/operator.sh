#!/usr/bin/env bash
# make subscriptions|doctor ENV=<env>: the operator CLI (crates/cli) with the environment's own
# Terraform outputs (its data directory, as make plan/deploy use it), so that a command for one
# environment can never read another's webhook URL or secret parameter.
#
# Usage: scripts/operator.sh <env> <octo-responder arguments...>   (the CLI gets --env <env>)
# e.g. after make rotate-webhook-secret: scripts/operator.sh <env> subscriptions apply --rewrite-tokens
#
# The webhook secret: WEBHOOK_SECRET when set, else read here from the environment's SSM
# SecureString (output webhook_token_parameter) with aws ssm get-parameter --with-decryption into
# a variable, and handed to the CLI in its environment only: never printed, written to a file or
# put on a command line. Only the non-sensitive outputs reach the CLI, on a pipe.
# Environment: OCTOPUS_SERVER_URL, and OCTOPUS_ADMIN_API_KEY (subscriptions) or OCTOPUS_API_KEY
# (doctor; else its SSM parameter). Needs jq, the AWS CLI and credentials (ssm:GetParameter and
# kms:Decrypt on the secret).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 2 ]] || die "usage: $0 <env> <command...>"
use_env "$1"
shift
# Held in memory and handed over on a pipe: never written to disk.
outputs=$(tf_outputs) || die "could not read the Terraform outputs of $deploy_env"

if [[ -z ${WEBHOOK_SECRET:-} ]]; then
  parameter=$(output_string "$outputs" webhook_token_parameter)
  [[ -n $parameter ]] || die "the $deploy_env state has no webhook_token_parameter output (or set WEBHOOK_SECRET)"
  WEBHOOK_SECRET=$(aws ssm get-parameter --name "$parameter" --with-decryption \
    --query Parameter.Value --output text) || die "cannot read the webhook secret from the SSM parameter $parameter"
  [[ -n $WEBHOOK_SECRET && $WEBHOOK_SECRET != None ]] || die "the SSM parameter $parameter holds no webhook secret"
  export WEBHOOK_SECRET
fi

cd "$repo_root"
cargo run --quiet --locked -p octo-responder-cli -- "$@" --env "$deploy_env" \
  --terraform-outputs <(printf '%s' "$outputs")
