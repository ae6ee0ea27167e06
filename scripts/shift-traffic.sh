#!/usr/bin/env bash
# Usage: shift-traffic.sh FUNCTION ALIAS VERSION
#
# Moves FUNCTION's ALIAS (live) to VERSION through AWS CodeDeploy and waits for the outcome. The
# deployment's AppSpec names the alias's current version and the target version; CodeDeploy then
# shifts traffic as the deployment group says (e.g. 10 % for 5 minutes, then 100 %) and rolls the
# alias back to the current version by itself when the deployment fails or one of the group's
# alarms goes into ALARM. This script only starts the deployment and reports it.
#
# Environment: CODEDEPLOY_APPLICATION and CODEDEPLOY_DEPLOYMENT_GROUP (required);
# SHIFT_TIMEOUT_SECONDS (default 1800): after that the deployment is stopped, which rolls it back;
# SHIFT_POLL_SECONDS (default 15). Needs the AWS CLI and credentials.
# Exit status: 0 when the alias is on VERSION (or already was), 1 otherwise.
set -euo pipefail

die() {
  echo "shift-traffic: $*" >&2
  exit 1
}

[[ $# -eq 3 ]] || die "usage: shift-traffic.sh FUNCTION ALIAS VERSION"
function_name=$1 alias_name=$2 target=$3
application=${CODEDEPLOY_APPLICATION:?set CODEDEPLOY_APPLICATION}
group=${CODEDEPLOY_DEPLOYMENT_GROUP:?set CODEDEPLOY_DEPLOYMENT_GROUP}
timeout=${SHIFT_TIMEOUT_SECONDS:-1800}
poll=${SHIFT_POLL_SECONDS:-15}

# Everything below ends up in JSON written by hand: accept only the characters these names have.
[[ $function_name =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "not a function name: '$function_name'"
[[ $alias_name =~ ^[A-Za-z0-9_-]{1,128}$ ]] || die "not an alias name: '$alias_name'"
[[ $target =~ ^[0-9]+$ ]] || die "not a published version: '$target'"
[[ $timeout =~ ^[0-9]+$ && $poll =~ ^[0-9]+$ && $poll -gt 0 ]] || die "SHIFT_TIMEOUT_SECONDS and SHIFT_POLL_SECONDS must be whole numbers"

current=$(aws lambda get-alias --function-name "$function_name" --name "$alias_name" \
  --query FunctionVersion --output text) || die "cannot read $function_name:$alias_name"
[[ $current =~ ^[0-9]+$ ]] || die "$function_name:$alias_name points at '$current', not a published version"
if [[ $current == "$target" ]]; then
  echo "shift-traffic: $function_name:$alias_name is already on version $target, nothing to shift"
  exit 0
fi

appspec=$(printf '{"version":0.0,"Resources":[{"%s":{"Type":"AWS::Lambda::Function","Properties":{"Name":"%s","Alias":"%s","CurrentVersion":"%s","TargetVersion":"%s"}}}]}' \
  "$function_name" "$function_name" "$alias_name" "$current" "$target")
revision=$(printf '{"revisionType":"AppSpecContent","appSpecContent":{"content":"%s"}}' "${appspec//\"/\\\"}")

deployment=$(aws deploy create-deployment --application-name "$application" --deployment-group-name "$group" \
  --description "$function_name:$alias_name $current -> $target" --revision "$revision" \
  --query deploymentId --output text) || die "CodeDeploy refused the deployment of $function_name $current -> $target"
echo "shift-traffic: $function_name:$alias_name $current -> $target, deployment $deployment ($application/$group)"

deadline=$((SECONDS + timeout))
last=
while :; do
  status=$(aws deploy get-deployment --deployment-id "$deployment" --query deploymentInfo.status --output text) ||
    die "cannot read deployment $deployment"
  if [[ $status != "$last" ]]; then
    echo "shift-traffic: deployment $deployment is $status"
    last=$status
  fi
  case $status in
    Succeeded)
      echo "shift-traffic: $function_name:$alias_name is on version $target"
      exit 0
      ;;
    Failed | Stopped)
      aws deploy get-deployment --deployment-id "$deployment" \
        --query 'deploymentInfo.{error: errorInformation, rollback: rollbackInfo}' --output json >&2 || true
      die "deployment $deployment $status: CodeDeploy rolled $function_name:$alias_name back to version $current"
      ;;
  esac
  if ((SECONDS >= deadline)); then
    aws deploy stop-deployment --deployment-id "$deployment" --auto-rollback-enabled >&2 || true
    die "deployment $deployment still $status after ${timeout} s: stopped, so CodeDeploy rolls $function_name:$alias_name back to version $current"
  fi
  sleep "$poll"
done
