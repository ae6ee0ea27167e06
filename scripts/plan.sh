#!/usr/bin/env bash
# make plan ENV=<env>: terraform init with infra/envs/<env>.s3.tfbackend, then a plan of
# infra/envs/<env>.tfvars saved to infra/.terraform/deploy-<env>/<env>.tfplan, which
# `make deploy ENV=<env>` applies. Nothing is changed in AWS.
#
# CodeDeploy always moves the live aliases (infra/codedeploy.tf); the aliases ignore their
# function_version, so the plan never moves live and nothing about live is read here.
#
# Secrets: none is written to the plan or the state. The webhook secret is generated during the
# apply that creates it, or rotated by make rotate-webhook-secret; the Octopus API key is either
# the ephemeral, write-only variable TF_VAR_octopus_api_key (give it again to make deploy: an
# ephemeral value is not saved in the plan) or put into its SSM parameter out of band (make
# secrets). An empty TF_VAR_octopus_api_key counts as unset.
#
# Environment: PLAN_SUMMARY_FILE (optional): appends the plan's digest and `terraform show
# -no-color` of it, as Markdown, to that file (the workflow passes $GITHUB_STEP_SUMMARY, which a
# reviewer reads before approving the apply). TF_PLAN_LOCK=false plans without taking the state
# lock (a plan role that may only read the state); the apply takes it, and refuses a plan whose
# state changed since ("Saved plan is stale").
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
lock=${TF_PLAN_LOCK:-true}
[[ $lock == true || $lock == false ]] || die "TF_PLAN_LOCK must be true or false (got '$lock')"
optional_api_key

use_env "$env"

args=(-input=false -no-color -var-file="envs/$env.tfvars")
[[ $lock == true ]] || args+=(-lock=false)

rm -f "$plan_file"
tf plan "${args[@]}" -out="$plan_file"
digest=$(sha256_of "$plan_file") || die "cannot read the saved plan $plan_file"
echo "plan: saved to ${plan_file#"$repo_root"/} (sha256 $digest); apply it with: make deploy ENV=$env"

if [[ -n ${PLAN_SUMMARY_FILE:-} ]]; then
  show=$(mktemp)
  trap 'rm -f "$show"' EXIT
  tf show -no-color "$plan_file" >"$show" || die "terraform show of the saved plan failed"
  limit=900000 # a step summary holds at most 1 MiB
  # shellcheck disable=SC2016 # Markdown's backquotes, not expansions
  {
    printf '### terraform plan: %s\n\nPlan file sha256: `%s` (the apply job refuses any other)\n\n```\n' "$env" "$digest"
    head -c "$limit" "$show"
    printf '\n```\n'
    if (($(wc -c <"$show") > limit)); then
      printf '\n**Truncated** at %s bytes: run `make plan ENV=%s` locally to read all of it.\n' "$limit" "$env"
    fi
  } >>"$PLAN_SUMMARY_FILE"
  echo "plan: summary appended to $PLAN_SUMMARY_FILE"
fi
