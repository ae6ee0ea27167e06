#!/usr/bin/env bash
# make deploy ENV=<env>: applies the plan `make plan ENV=<env>` saved, then shifts each
# function's live alias to the version the apply published, through CodeDeploy
# (scripts/shift-traffic.sh, with the canary-check function as the BeforeAllowTraffic and
# AfterAllowTraffic hook): process-message first, so that the consumer is never older than its
# producers, then accept-message, then sweep-interruptions (skipped when the state has no sweep:
# sweep_enabled = false). A failed shift has been rolled back by CodeDeploy, and the script stops
# with an error; the functions not shifted yet keep the version they had.
#
# Terraform never moves live (the aliases ignore function_version), so live moves only here:
# when an output cannot be read, nothing is shifted and the script fails.
#
# Environment: PLAN_SHA256 (optional, the workflow's apply job sets it): the plan's expected
# SHA-256; any other plan is refused before Terraform sees it. TF_VAR_octopus_api_key again when
# the plan had it (an ephemeral value is not saved in the plan); an empty one counts as unset.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
use_env "$env"
[[ -f $plan_file ]] || die "no saved plan for $env: run make plan ENV=$env first"
command -v jq >/dev/null || die "needs jq, to read the state's outputs after the apply"

if [[ -n ${PLAN_SHA256:-} ]]; then
  actual=$(sha256_of "$plan_file") || die "cannot read the saved plan $plan_file"
  [[ $actual == "${PLAN_SHA256,,}" ]] ||
    die "refusing the saved plan: its sha256 is $actual, not the $PLAN_SHA256 that was reviewed; nothing applied"
  echo "deploy: the saved plan is the reviewed one (sha256 $actual)"
fi
optional_api_key

tf apply -input=false -no-color "$plan_file"
rm -f "$plan_file" # applied: it cannot be applied twice

# One read of the outputs, which fails when the state cannot be read: an output absent from it
# is null (no sweep), never one that could not be read.
outputs=$(tf_outputs) || die "cannot read the outputs of the $env state after the apply: live has not been shifted"

application=$(output_string "$outputs" codedeploy_application_name)
[[ -n $application ]] ||
  die "the $env state has no codedeploy_application_name output: live has not been shifted (apply the current infra/)"
canary_check=$(output_string "$outputs" canary_check_function_name)
[[ -n $canary_check ]] ||
  die "the $env state has no canary_check_function_name output (the CodeDeploy hook): live has not been shifted"

for fn in process_message accept_message sweep_interruptions; do
  arn=$(output_string "$outputs" "${fn}_function_arn")
  version=$(output_string "$outputs" "${fn}_version")
  if [[ $fn == sweep_interruptions && -z $arn && -z $version ]]; then
    echo "deploy: $env has no sweep-interruptions (sweep_enabled = false), nothing to shift"
    continue
  fi
  [[ -n $arn && -n $version ]] || die "the state has no ${fn}_function_arn or ${fn}_version output"
  name=${arn##*:} # the deployment group is named like the function (infra/codedeploy.tf)
  CODEDEPLOY_APPLICATION=$application CODEDEPLOY_DEPLOYMENT_GROUP=$name CANARY_CHECK_FUNCTION=$canary_check \
    "$repo_root/scripts/shift-traffic.sh" "$name" live "$version"
done
echo "deploy: $env is live on the new versions"
