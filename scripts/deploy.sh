#!/usr/bin/env bash
# make deploy ENV=<env>: applies the plan `make plan ENV=<env>` saved, then, when CodeDeploy is
# enabled, shifts each function's live alias to the version the apply published
# (scripts/shift-traffic.sh): process-message first, so that the consumer is never older than
# its producers, then accept-message, then sweep-interruptions (skipped when the state has no
# sweep: sweep_enabled = false). A failed shift has been rolled back by CodeDeploy, and the
# script stops with an error; the functions not shifted yet keep the version they had.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
use_env "$env"
[[ -f $plan_file ]] || die "no saved plan for $env: run make plan ENV=$env first"
command -v jq >/dev/null || die "needs jq, to read the state's outputs after the apply"

tf apply -input=false -no-color "$plan_file"
rm -f "$plan_file" # applied: it cannot be applied twice

# One read of the outputs, which fails when the state cannot be read: an output absent from it
# is null (no CodeDeploy application, no sweep), never one that could not be read.
outputs=$(tf_outputs) || die "cannot read the outputs of the $env state after the apply: live has not been shifted"

role=$(output_string "$outputs" github_deploy_role_arn)
[[ -z $role ]] || echo "deploy: the GitHub environment $env assumes $role (its AWS_DEPLOY_ROLE_ARN variable)"

application=$(output_string "$outputs" codedeploy_application_name)
if [[ -z $application ]]; then
  echo "deploy: CodeDeploy is off for $env; Terraform moved live to the new versions"
  exit 0
fi

for fn in process_message accept_message sweep_interruptions; do
  arn=$(output_string "$outputs" "${fn}_function_arn")
  version=$(output_string "$outputs" "${fn}_version")
  if [[ $fn == sweep_interruptions && -z $arn && -z $version ]]; then
    echo "deploy: $env has no sweep-interruptions (sweep_enabled = false), nothing to shift"
    continue
  fi
  [[ -n $arn && -n $version ]] || die "the state has no ${fn}_function_arn or ${fn}_version output"
  name=${arn##*:} # the deployment group is named like the function (infra/codedeploy.tf)
  CODEDEPLOY_APPLICATION=$application CODEDEPLOY_DEPLOYMENT_GROUP=$name \
    "$repo_root/scripts/shift-traffic.sh" "$name" live "$version"
done
echo "deploy: $env is live on the new versions"
