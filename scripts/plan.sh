#!/usr/bin/env bash
# make plan ENV=<env>: terraform init with infra/envs/<env>.s3.tfbackend, then a plan of
# infra/envs/<env>.tfvars saved to infra/.terraform/deploy-<env>/<env>.tfplan, which
# `make deploy ENV=<env>` applies. Nothing is changed in AWS.
#
# The secrets come from the environment (GitHub environment secrets in the deploy workflow):
# TF_VAR_octopus_api_key and TF_VAR_webhook_token. CODEDEPLOY=true (the default) lets CodeDeploy
# move the live aliases (infra/codedeploy.tf): Terraform is then told which version each alias
# points at now (accept-message, process-message and sweep-interruptions), read here from AWS, so
# that it publishes the new versions without moving live. A function the state does not hold (the
# first deploy; the sweep before its first deploy or with sweep_enabled = false) is "published":
# its alias does not exist yet, and the sweep's value is ignored when the sweep is off. A version
# that cannot be read (the state, or an alias AWS will not show) stops the plan.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
codedeploy=${CODEDEPLOY:-true}
[[ $codedeploy == true || $codedeploy == false ]] || die "CODEDEPLOY must be true or false (got '$codedeploy')"

[[ -n ${TF_VAR_octopus_api_key:-} ]] || die "set TF_VAR_octopus_api_key (the responder's Octopus API key)"
[[ -n ${TF_VAR_webhook_token:-} ]] ||
  die "set TF_VAR_webhook_token: the current one keeps the Octopus subscription working (aws ssm get-parameter --with-decryption --name /octo-responder/$env/webhook-token), a new one rotates it (README, Deploy to AWS)"

use_env "$env"

# live_version FUNCTION_OUTPUT: the version the function's live alias points at now, or
# "published" when the function or its alias does not exist yet (first deploy). The function's
# ARN comes from $outputs (tf_outputs), where an absent output is null or not applied yet.
live_version() {
  local arn version err
  arn=$(output_string "$outputs" "$1")
  [[ -n $arn ]] || { echo published; return; }
  err=$(mktemp)
  if version=$(aws lambda get-alias --function-name "$arn" --name live --query FunctionVersion --output text 2>"$err"); then
    rm -f "$err"
    [[ $version =~ ^[0-9]+$ ]] || die "live alias of $arn points at '$version', not a published version"
    echo "$version"
  elif grep -q ResourceNotFoundException "$err"; then
    rm -f "$err"
    echo published
  else
    cat "$err" >&2
    rm -f "$err"
    die "cannot read the live alias of $arn"
  fi
}

vars=(-var-file="envs/$env.tfvars" -var "codedeploy_enabled=$codedeploy")
if [[ $codedeploy == true ]]; then
  outputs=$(tf_outputs) || die "cannot read the outputs of the $env state, so not what live points at"
  accept_live=$(live_version accept_message_function_arn)
  process_live=$(live_version process_message_function_arn)
  sweep_live=$(live_version sweep_interruptions_function_arn)
  echo "plan: live is accept-message $accept_live, process-message $process_live, sweep-interruptions $sweep_live; CodeDeploy shifts it after the apply"
  vars+=(-var "accept_message_live_version=$accept_live" -var "process_message_live_version=$process_live"
    -var "sweep_interruptions_live_version=$sweep_live")
fi

rm -f "$plan_file"
tf plan -input=false -no-color "${vars[@]}" -out="$plan_file"
echo "plan: saved to ${plan_file#"$repo_root"/}; apply it with: make deploy ENV=$env"
