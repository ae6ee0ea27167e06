#!/usr/bin/env bash
# make deploy ENV=<env>: applies the plan `make plan ENV=<env>` saved, then, when CodeDeploy is
# enabled, shifts each function's live alias to the version the apply published
# (scripts/shift-traffic.sh): process-message first, so that the consumer is never older than
# the producer, then accept-message. A failed shift has been rolled back by CodeDeploy, and the
# script stops with an error; the other function keeps the version it had.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
use_env "$env"
[[ -f $plan_file ]] || die "no saved plan for $env: run make plan ENV=$env first"

tf apply -input=false -no-color "$plan_file"
rm -f "$plan_file" # applied: it cannot be applied twice

role=$(tf_output github_deploy_role_arn)
[[ -z $role ]] || echo "deploy: the GitHub environment $env assumes $role (its AWS_DEPLOY_ROLE_ARN variable)"

application=$(tf_output codedeploy_application_name)
if [[ -z $application ]]; then
  echo "deploy: CodeDeploy is off for $env; Terraform moved live to the new versions"
  exit 0
fi

for fn in process_message accept_message; do
  arn=$(tf_output "${fn}_function_arn")
  version=$(tf_output "${fn}_version")
  [[ -n $arn && -n $version ]] || die "the state has no ${fn}_function_arn or ${fn}_version output"
  name=${arn##*:} # the deployment group is named like the function (infra/codedeploy.tf)
  CODEDEPLOY_APPLICATION=$application CODEDEPLOY_DEPLOYMENT_GROUP=$name \
    "$repo_root/scripts/shift-traffic.sh" "$name" live "$version"
done
echo "deploy: $env is live on the new versions"
