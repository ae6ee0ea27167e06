#!/usr/bin/env bash
# Usage: shift-traffic.sh FUNCTION ALIAS VERSION
#
# Moves FUNCTION's ALIAS (live) to VERSION through AWS CodeDeploy and waits for the outcome. The
# deployment's AppSpec names the alias's current version, the target version, and the
# canary-check function as the BeforeAllowTraffic and AfterAllowTraffic hook: it invokes the new
# version with synthetic events before any traffic moves and again once all of it has, and
# reports Failed on any surprise. CodeDeploy shifts traffic as the deployment group's deployment
# configuration says (all at once, a canary share then the rest, or linear steps) and rolls the
# alias back to the current version by itself when a hook fails, the deployment fails or is
# stopped, or one of the group's alarms goes into ALARM. This script starts the deployment and
# reports it.
#
# How long it waits: the deployment group's configuration (get-deployment-group, then
# get-deployment-config): AllAtOnce 0, TimeBasedCanary its canaryInterval, TimeBasedLinear
# linearInterval x ceil(100 / linearPercentage), plus SHIFT_MARGIN_SECONDS (default 2100: two
# hooks, each bounded by Lambda's 15-minute maximum when the hook reports from its own invocation,
# as canary-check does, plus 5 minutes; CodeDeploy itself waits up to 1 hour per hook, so a hook
# that reports from elsewhere wants 7500). SHIFT_TIMEOUT_SECONDS, when set, replaces all of that
# (and the configuration is not read). After the timeout the deployment is stopped with
# --auto-rollback-enabled, the stop's answer is checked (Pending or Succeeded), and the script
# waits up to SHIFT_STOP_WAIT_SECONDS (default 900) for the deployment to end Stopped or Failed.
#
# Environment: CODEDEPLOY_APPLICATION, CODEDEPLOY_DEPLOYMENT_GROUP and CANARY_CHECK_FUNCTION
# (required); the timeouts above; SHIFT_POLL_SECONDS (default 15). Needs the AWS CLI and
# credentials (codedeploy:GetDeploymentGroup, GetDeploymentConfig, CreateDeployment,
# GetDeployment, StopDeployment; lambda:GetAlias).
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
hook=${CANARY_CHECK_FUNCTION:-}
fixed_timeout=${SHIFT_TIMEOUT_SECONDS:-}
margin=${SHIFT_MARGIN_SECONDS:-2100}
stop_wait=${SHIFT_STOP_WAIT_SECONDS:-900}
poll=${SHIFT_POLL_SECONDS:-15}

# Everything below ends up in JSON written by hand: accept only the characters these names have.
[[ $function_name =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "not a function name: '$function_name'"
[[ $alias_name =~ ^[A-Za-z0-9_-]{1,128}$ ]] || die "not an alias name: '$alias_name'"
[[ $target =~ ^[0-9]+$ ]] || die "not a published version: '$target'"
[[ -n $hook ]] || die "set CANARY_CHECK_FUNCTION: the canary-check function every deployment runs as its hook (Terraform output canary_check_function_name)"
[[ $hook =~ ^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_-]{1,128})?$ ]] ||
  die "CANARY_CHECK_FUNCTION is not a Lambda function name or ARN: '$hook'"
for number in "$margin" "$stop_wait" "$poll" ${fixed_timeout:+"$fixed_timeout"}; do
  [[ $number =~ ^[0-9]+$ ]] ||
    die "SHIFT_TIMEOUT_SECONDS, SHIFT_MARGIN_SECONDS, SHIFT_STOP_WAIT_SECONDS and SHIFT_POLL_SECONDS must be whole numbers (got '$number')"
done
((poll > 0)) || die "SHIFT_POLL_SECONDS must be more than 0"

current=$(aws lambda get-alias --function-name "$function_name" --name "$alias_name" \
  --query FunctionVersion --output text) || die "cannot read $function_name:$alias_name"
[[ $current =~ ^[0-9]+$ ]] || die "$function_name:$alias_name points at '$current', not a published version"
if [[ $current == "$target" ]]; then
  echo "shift-traffic: $function_name:$alias_name is already on version $target, nothing to shift"
  exit 0
fi

# The timeout, from the deployment configuration unless SHIFT_TIMEOUT_SECONDS is set. Read before
# the deployment starts: a configuration that cannot be read moves nothing.
if [[ -n $fixed_timeout ]]; then
  timeout=$fixed_timeout
  echo "shift-traffic: waiting up to ${timeout} s (SHIFT_TIMEOUT_SECONDS)"
else
  config=$(aws deploy get-deployment-group --application-name "$application" --deployment-group-name "$group" \
    --query deploymentGroupInfo.deploymentConfigName --output text) ||
    die "cannot read the deployment group $application/$group: nothing shifted"
  [[ -n $config && $config != None ]] || die "the deployment group $application/$group names no deployment configuration"
  routing=$(aws deploy get-deployment-config --deployment-config-name "$config" \
    --query 'deploymentConfigInfo.trafficRoutingConfig.[type, timeBasedCanary.canaryInterval, timeBasedLinear.linearInterval, timeBasedLinear.linearPercentage]' \
    --output text) || die "cannot read the deployment configuration $config: nothing shifted"
  read -r kind canary_interval linear_interval linear_percentage <<<"$routing"
  case $kind in
    AllAtOnce) shifting=0 ;;
    TimeBasedCanary)
      [[ $canary_interval =~ ^[0-9]+$ ]] || die "$config: TimeBasedCanary without a canaryInterval ('$routing')"
      shifting=$((canary_interval * 60))
      ;;
    TimeBasedLinear)
      [[ $linear_interval =~ ^[0-9]+$ && $linear_percentage =~ ^[0-9]+$ && $linear_percentage -gt 0 ]] ||
        die "$config: TimeBasedLinear without a linearInterval and linearPercentage ('$routing')"
      shifting=$((linear_interval * 60 * ((100 + linear_percentage - 1) / linear_percentage)))
      ;;
    *) die "$config: unknown traffic routing '$kind' (expected AllAtOnce, TimeBasedCanary or TimeBasedLinear)" ;;
  esac
  timeout=$((shifting + margin))
  echo "shift-traffic: $config ($kind) shifts for ${shifting} s; waiting up to ${timeout} s with the hooks' margin (SHIFT_MARGIN_SECONDS=$margin)"
fi

appspec=$(printf '{"version":0.0,"Resources":[{"%s":{"Type":"AWS::Lambda::Function","Properties":{"Name":"%s","Alias":"%s","CurrentVersion":"%s","TargetVersion":"%s"}}}],"Hooks":[{"BeforeAllowTraffic":"%s"},{"AfterAllowTraffic":"%s"}]}' \
  "$function_name" "$function_name" "$alias_name" "$current" "$target" "$hook" "$hook")
revision=$(printf '{"revisionType":"AppSpecContent","appSpecContent":{"content":"%s"}}' "${appspec//\"/\\\"}")

deployment=$(aws deploy create-deployment --application-name "$application" --deployment-group-name "$group" \
  --description "$function_name:$alias_name $current -> $target" --revision "$revision" \
  --query deploymentId --output text) || die "CodeDeploy refused the deployment of $function_name $current -> $target"
echo "shift-traffic: $function_name:$alias_name $current -> $target, deployment $deployment ($application/$group, hooks $hook)"

last=
# deployment_status: the deployment's status, printed when it changes; sets status.
deployment_status() {
  status=$(aws deploy get-deployment --deployment-id "$deployment" --query deploymentInfo.status --output text) ||
    die "cannot read deployment $deployment"
  if [[ $status != "$last" ]]; then
    echo "shift-traffic: deployment $deployment is $status"
    last=$status
  fi
}
# explain: what CodeDeploy says went wrong and how it rolled back (best effort).
explain() {
  aws deploy get-deployment --deployment-id "$deployment" \
    --query 'deploymentInfo.{error: errorInformation, rollback: rollbackInfo}' --output json >&2 || true
}

deadline=$((SECONDS + timeout))
while :; do
  deployment_status
  case $status in
    Succeeded)
      echo "shift-traffic: $function_name:$alias_name is on version $target"
      exit 0
      ;;
    Failed | Stopped)
      explain
      die "deployment $deployment $status: CodeDeploy rolled $function_name:$alias_name back to version $current"
      ;;
  esac
  ((SECONDS < deadline)) || break
  sleep "$poll"
done

# Timed out: stop it, which rolls it back, and check that the stop was accepted.
echo "shift-traffic: deployment $deployment still $status after ${timeout} s: stopping it with rollback" >&2
if ! stop=$(aws deploy stop-deployment --deployment-id "$deployment" --auto-rollback-enabled \
  --query '[status, statusMessage]' --output text 2>&1); then
  echo "$stop" >&2
  now=$(aws deploy get-deployment --deployment-id "$deployment" --query deploymentInfo.status --output text 2>/dev/null) || now=unknown
  die "could NOT stop deployment $deployment (above): it is $now and goes on by itself; $function_name:$alias_name may end on version $current or $target (aws deploy get-deployment --deployment-id $deployment)"
fi
read -r stop_status stop_message <<<"$stop"
case $stop_status in
  Pending | Succeeded) echo "shift-traffic: stop of $deployment accepted ($stop_status${stop_message:+: $stop_message})" >&2 ;;
  *) die "CodeDeploy answered the stop of $deployment with '$stop', not Pending or Succeeded: $function_name:$alias_name may end on version $current or $target (aws deploy get-deployment --deployment-id $deployment)" ;;
esac

stop_deadline=$((SECONDS + stop_wait))
while :; do
  deployment_status
  case $status in
    Stopped | Failed)
      explain
      die "deployment $deployment timed out after ${timeout} s and is $status: CodeDeploy rolls $function_name:$alias_name back to version $current"
      ;;
    Succeeded)
      echo "shift-traffic: warning: deployment $deployment succeeded before the stop took effect: $function_name:$alias_name is on version $target" >&2
      exit 0
      ;;
  esac
  ((SECONDS < stop_deadline)) ||
    die "deployment $deployment is still $status ${stop_wait} s after CodeDeploy accepted its stop: $function_name:$alias_name may be on version $current or $target; follow it with aws deploy get-deployment --deployment-id $deployment"
  sleep "$poll"
done
