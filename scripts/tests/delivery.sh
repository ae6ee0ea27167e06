#!/usr/bin/env bash
# Tests scripts/plan.sh, deploy.sh, shift-traffic.sh and smoke-test.sh (make script-test) without
# AWS or a Terraform state: stub `aws`, `terraform`, `curl` and `sleep` on PATH record their
# arguments and answer from files in each case's directory. Above all: the plan is saved with its
# digest and applied only when it is the reviewed one; the three live aliases are shifted with the
# canary-check hook, the sweep's left out only when the state has no sweep, never because an
# output could not be read; the shift waits as long as the deployment configuration needs and
# reports a stop that failed; the smoke test signs with the secret from SSM and fails on its own
# dead letter only. Nothing leaves the machine; nothing is written outside a temporary directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
scripts=$(cd "$here/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/octo-responder-delivery-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

command -v jq >/dev/null || {
  echo "delivery.sh: needs jq" >&2
  exit 1
}

fn_arn=arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev
accept=$fn_arn-accept-message
process=$fn_arn-process-message
sweep=$fn_arn-sweep-interruptions

mkdir "$work/bin"
# aws: appends its arguments, one per line between [ ], then a blank line, to $STUB/calls, and
# answers (a file starting with "An error" is an error: stderr, exit 254; "next line of F" means
# the Nth call reads F's Nth line, the last one again when they run out):
#   lambda get-alias                   $STUB/alias/<function name>: the version; no file:
#                                      ResourceNotFoundException
#   deploy get-deployment-group        $STUB/group-config, else CodeDeployDefault.LambdaAllAtOnce
#   deploy get-deployment-config       $STUB/routing (type, canaryInterval, linearInterval,
#                                      linearPercentage), else AllAtOnce
#   deploy create-deployment           deployment id d-<group>
#   deploy get-deployment              the status: next line of $STUB/status/<group>, else
#                                      Succeeded; the error report: {}
#   deploy stop-deployment             $STUB/stop, else Pending (status, statusMessage)
#   sqs get-queue-attributes           next line of $STUB/queue/<queue name>, else 0
#   sqs receive-message                $STUB/receive/<queue name>.<call number>, @OWN@ replaced by
#                                      the event id the smoke test posted; no file: nothing
#   ssm get-parameter                  $STUB/ssm/<name, / as _>; no file: ParameterNotFound
#   scheduler get-schedule             $STUB/schedule (State, Target.Arn)
#   lambda get-function-configuration  $STUB/live (Version, State)
cat >"$work/bin/aws" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; echo; } >>"$STUB/calls"
arg() {
  local want=$1
  shift
  while (($# > 1)); do
    [[ $1 == "$want" ]] && { echo "$2"; return; }
    shift
  done
}
# answer FILE: FILE's content, or its error.
answer() {
  if grep -q '^An error' "$1"; then cat "$1" >&2; exit 254; fi
  cat "$1"
}
# next_line FILE DEFAULT: the next line of FILE for this caller.
next_line() {
  [[ -f $1 ]] || { echo "$2"; return; }
  local n total
  n=$(($(cat "$1.n" 2>/dev/null || echo 0) + 1))
  echo "$n" >"$1.n"
  total=$(wc -l <"$1")
  sed -n "$((n < total ? n : total))p" "$1"
}
case "$1 $2" in
  "lambda get-alias")
    fn=$(arg --function-name "$@")
    file=$STUB/alias/${fn##*:}
    if [[ ! -f $file ]]; then
      echo "An error occurred (ResourceNotFoundException) when calling the GetAlias operation: Alias not found" >&2
      exit 254
    fi
    answer "$file"
    ;;
  "deploy get-deployment-group")
    if [[ -f $STUB/group-config ]]; then answer "$STUB/group-config"; else echo CodeDeployDefault.LambdaAllAtOnce; fi
    ;;
  "deploy get-deployment-config")
    if [[ -f $STUB/routing ]]; then answer "$STUB/routing"; else printf 'AllAtOnce\tNone\tNone\tNone\n'; fi
    ;;
  "deploy create-deployment") echo "d-$(arg --deployment-group-name "$@")" ;;
  "deploy get-deployment")
    id=$(arg --deployment-id "$@")
    if [[ $(arg --query "$@") == deploymentInfo.status ]]; then next_line "$STUB/status/${id#d-}" Succeeded; else echo '{}'; fi
    ;;
  "deploy stop-deployment")
    if [[ -f $STUB/stop ]]; then answer "$STUB/stop"; else printf 'Pending\tNone\n'; fi
    ;;
  "sqs get-queue-attributes")
    url=$(arg --queue-url "$@")
    next_line "$STUB/queue/${url##*/}" 0
    ;;
  "sqs receive-message")
    url=$(arg --queue-url "$@")
    counter=$STUB/receive/${url##*/}.n
    n=$(($(cat "$counter" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$counter"
    file=$STUB/receive/${url##*/}.$n
    [[ -f $file ]] || exit 0
    if grep -q '^An error' "$file"; then cat "$file" >&2; exit 254; fi
    own=$(jq -r '.Payload.Event.Id' "$STUB/last-payload" 2>/dev/null || echo none)
    sed "s/@OWN@/$own/g" "$file"
    ;;
  "ssm get-parameter")
    name=$(arg --name "$@")
    file=$STUB/ssm/${name//\//_}
    [[ -f $file ]] || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254; }
    answer "$file"
    ;;
  "scheduler get-schedule") cat "$STUB/schedule" ;;
  "lambda get-function-configuration") cat "$STUB/live" ;;
  *) echo "stub aws: unexpected call: $*" >&2; exit 2 ;;
esac
SH
# terraform: records its arguments in $STUB/tf-calls, each call followed by whether
# TF_VAR_octopus_api_key was set ([key:set] or [key:unset]). init and apply succeed; plan writes
# its -out file; show prints a plan; output -json prints $STUB/outputs.json (the state's outputs;
# no file: the state cannot be read).
cat >"$work/bin/terraform" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; if [[ -v TF_VAR_octopus_api_key ]]; then echo '[key:set]'; else echo '[key:unset]'; fi; echo; } >>"$STUB/tf-calls"
case " $* " in
  *" init "* | *" apply "*) exit 0 ;;
  *" plan "*)
    for a in "$@"; do [[ $a != -out=* ]] || printf 'stub plan of %s\n' "$*" >"${a#-out=}"; done
    ;;
  *" show "*) printf 'Terraform will perform the following actions:\n  # module.accept_message.aws_lambda_function.this will be updated in-place\nPlan: 0 to add, 3 to change, 0 to destroy.\n' ;;
  *" output "*" -json "*)
    [[ -f $STUB/outputs.json ]] || { echo "Error: Failed to load state: AccessDenied" >&2; exit 1; }
    cat "$STUB/outputs.json"
    ;;
  *) echo "stub terraform: unexpected call: $*" >&2; exit 2 ;;
esac
SH
# curl: the smoke test's webhooks, as accept-message answers them: 202 when the header file
# (-H @file) holds a header line listed in $ACCEPTED_HEADERS (each rule's token, computed below
# by Python, not openssl), or any header file at all when $STUB/accept-any exists (an
# accept-message that does not tell rules apart); else 401. Each header file's content is
# appended to $STUB/headers-sent; the body posted (--data-binary @file) is kept in
# $STUB/last-payload.
cat >"$work/bin/curl" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; echo; } >>"$STUB/curl-calls"
out=/dev/null status=401
while (($#)); do
  case $1 in
    --output) out=$2; shift ;;
    --data-binary) cp "${2#@}" "$STUB/last-payload"; shift ;;
    -H)
      if [[ $2 == @* ]]; then
        cat "${2#@}" >>"$STUB/headers-sent"
        if [[ -f $STUB/accept-any ]] || grep -qxFf "$ACCEPTED_HEADERS" "${2#@}"; then status=202; fi
      fi
      shift
      ;;
  esac
  shift
done
if [[ $status == 202 ]]; then echo '{"messageId":"m-1"}' >"$out"; else echo '{"message":"Unauthorized"}' >"$out"; fi
printf '%s' "$status"
SH
# The header lines accept-message accepts for type=Result&action=Proceed, the smoke test's rule,
# under the secrets the cases use ("token-not-for-logs" from SSM, "token" from the environment):
# HMAC-SHA256 of the canonical query, computed with Python's hmac module, e.g.
#   python3 -c 'import hmac; print(hmac.new(b"token", b"type=Result&action=Proceed", "sha256").hexdigest())'
accepted_headers=$work/accepted-headers
printf 'X-Octopus-Token: %s\n' d97b4cd7031359217f4504a73c27a632146949e27889b9cba4047fc91d723e33 \
  a291e97628bf83586e99a716159c99a95105065861f9d899e178989d49426ec1 >"$accepted_headers"
# Another rule's token (type=Result&action=Abort under "token-not-for-logs"): refused.
abort_token=bc1929892ec98ee3da59ed218b21932ff1e17a95a8f85537af6253e034cf3f2a
# sleep: returns at once (shift-traffic.sh and smoke-test.sh poll).
printf '#!/usr/bin/env bash\nexit 0\n' >"$work/bin/sleep"
chmod +x "$work/bin/"*

failures=0
case_dir=
# new_case NAME: a fresh stub directory for one case.
new_case() {
  case_name=$1
  case_dir=$work/cases/$1
  mkdir -p "$case_dir/alias" "$case_dir/status" "$case_dir/queue" "$case_dir/receive" "$case_dir/ssm"
  : >"$case_dir/calls"
  : >"$case_dir/tf-calls"
}
# outputs NAME=VALUE...: the state's outputs as `terraform output -json` prints them (string
# outputs). A sensitive output from before the secrets left the state is always among them, with
# a secret no script may use or print. Null outputs are left out, as Terraform leaves them out of
# the state.
outputs() {
  jq -n '$ARGS.positional
    | map(index("=") as $i | {key: .[:$i], value: {sensitive: false, type: "string", value: .[$i + 1:]}})
    | from_entries + {webhook_header_value: {sensitive: true, type: "string", value: "stale-state-secret"}}' \
    --args "$@" >"$case_dir/outputs.json"
}
# alias_of FUNCTION ANSWER: the stub's answer to get-alias for that function's live alias.
alias_of() { echo "$2" >"$case_dir/alias/octo-responder-dev-$1"; }
plan_path() { echo "$case_dir/tf-data/deploy-dev/dev.tfplan"; }
# saved_plan: the plan file deploy.sh applies.
saved_plan() { mkdir -p "$case_dir/tf-data/deploy-dev" && echo "a saved plan" >"$(plan_path)"; }
# run SCRIPT [VAR=VALUE...]: runs scripts/SCRIPT for dev with the stubs; sets rc, leaves the
# output in $case_dir/out.
run() {
  local script=$1
  shift
  rc=0
  env PATH="$work/bin:$PATH" STUB="$case_dir" TF="$work/bin/terraform" DEPLOY_DATA_ROOT="$case_dir/tf-data" \
    TF_VAR_octopus_api_key=API-TEST SHIFT_POLL_SECONDS=1 ACCEPTED_HEADERS="$accepted_headers" "$@" \
    bash "$scripts/$script" dev >"$case_dir/out" 2>&1 || rc=$?
}
# shift_accept [VAR=VALUE...]: shift-traffic.sh moving accept-message's live to version 8, in the
# application octo-responder-dev with the hook octo-responder-dev-canary-check.
shift_accept() {
  rc=0
  env PATH="$work/bin:$PATH" STUB="$case_dir" SHIFT_POLL_SECONDS=1 CODEDEPLOY_APPLICATION=octo-responder-dev \
    CODEDEPLOY_DEPLOYMENT_GROUP=octo-responder-dev-accept-message CANARY_CHECK_FUNCTION=octo-responder-dev-canary-check "$@" \
    bash "$scripts/shift-traffic.sh" octo-responder-dev-accept-message live 8 >"$case_dir/out" 2>&1 || rc=$?
}
# check DESCRIPTION COMMAND...: one assertion, COMMAND's exit status.
check() {
  local what=$1
  shift
  if "$@"; then
    echo "  ok   $case_name: $what"
  else
    echo "  FAIL $case_name: $what"
    sed 's/^/       | /' "$case_dir/out"
    failures=$((failures + 1))
  fi
}
said() { grep -q -- "$1" "$case_dir/out"; }
# lacks PATTERN FILE...: no line of FILE matches PATTERN (a basic regular expression).
lacks() { ! grep -q -- "$@"; }
never_said() { ! grep -q -- "$1" "$case_dir/out"; }
# in_a_call FILE ARG...: one recorded call in FILE has these arguments, consecutively.
in_a_call() {
  local file=$1 want
  shift
  want=$(printf '[%s]\n' "$@")
  awk -v RS= -v want="$want" 'index("\n" $0 "\n", "\n" want "\n") { found = 1 } END { exit !found }' "$file"
}
# planned_with ARG...: terraform plan ran with these consecutive arguments.
planned_with() { in_a_call "$case_dir/tf-calls" plan -input=false -no-color && in_a_call "$case_dir/tf-calls" "$@"; }
planned() { grep -qx '\[plan\]' "$case_dir/tf-calls"; }
not_planned() { ! planned; }
# tf_call_with_key COMMAND STATE: terraform COMMAND ran with TF_VAR_octopus_api_key set or unset.
tf_call_with_key() { awk -v RS= -v cmd="[$1]" -v key="[key:$2]" 'index("\n" $0 "\n", "\n" cmd "\n") && index($0, key) { found = 1 } END { exit !found }' "$case_dir/tf-calls"; }
applied() { grep -qx '\[apply\]' "$case_dir/tf-calls"; }
not_applied() { ! applied; }
no_aws_call() { [[ ! -s $case_dir/calls ]]; }
# aws_calls OPERATION: how many times the stub aws was called for it (e.g. get-alias).
aws_calls() { grep -cx "\[$1\]" "$case_dir/calls" || true; }
# shifted: the deployment groups CodeDeploy was asked to shift, in order, on one line.
shifted() {
  awk -v RS= '/\n\[create-deployment\]\n/' "$case_dir/calls" |
    awk '/^\[--deployment-group-name\]$/ { getline; gsub(/^\[|\]$/, ""); print }' | paste -sd' ' -
}
# shifted_to FUNCTION FROM TO: CodeDeploy was asked to move FUNCTION's live from FROM to TO.
shifted_to() { grep -qx "\[$1:live $2 -> $3\]" "$case_dir/calls"; }
# hooked_with NAME: every AppSpec sent names NAME as the BeforeAllowTraffic and AfterAllowTraffic hook.
hooked_with() {
  local hooks="\\\"Hooks\\\":[{\\\"BeforeAllowTraffic\\\":\\\"$1\\\"},{\\\"AfterAllowTraffic\\\":\\\"$1\\\"}]"
  [[ $(grep -c '^\[{"revisionType"' "$case_dir/calls") -gt 0 &&
    $(grep '^\[{"revisionType"' "$case_dir/calls" | grep -cvF "$hooks") -eq 0 ]]
}
stopped_with_rollback() { in_a_call "$case_dir/calls" deploy stop-deployment --deployment-id d-octo-responder-dev-accept-message --auto-rollback-enabled; }

echo "plan.sh against a stub terraform:"

new_case plan_saves_the_plan
run plan.sh
check "exits 0" test "$rc" -eq 0
check "plans envs/dev.tfvars into the dev data directory" \
  planned_with -var-file=envs/dev.tfvars "-out=$(plan_path)"
check "passes no variable of its own (no live version, no codedeploy switch, no webhook token)" \
  lacks '^\[-var\]$\|_live_version\|codedeploy_enabled\|webhook_token' "$case_dir/tf-calls"
check "takes the state lock by default" lacks '^\[-lock=false\]$' "$case_dir/tf-calls"
check "asks AWS nothing (live is not Terraform's business)" no_aws_call
check "gives Terraform the API key it was given" tf_call_with_key plan set
check "prints the plan's sha256" said "sha256 $(sha256sum "$(plan_path)" | cut -d' ' -f1)"
check "never prints a sensitive output" never_said stale-state-secret

new_case plan_with_an_empty_api_key
run plan.sh TF_VAR_octopus_api_key=
check "exits 0" test "$rc" -eq 0
check "unsets an empty TF_VAR_octopus_api_key (the key stays in SSM, put there by make secrets)" tf_call_with_key plan unset
check "says where the key comes from" said "keeps the value make secrets put there"

new_case plan_summary_for_the_reviewer
run plan.sh PLAN_SUMMARY_FILE="$case_dir/summary.md" TF_PLAN_LOCK=false
check "exits 0" test "$rc" -eq 0
check "plans without the state lock when told (a read-only plan role)" planned_with -lock=false "-out=$(plan_path)"
check "shows the saved plan" in_a_call "$case_dir/tf-calls" show -no-color "$(plan_path)"
check "the summary has the plan's digest" grep -q "sha256: \`$(sha256sum "$(plan_path)" | cut -d' ' -f1)\`" "$case_dir/summary.md"
check "the summary has terraform show's text" grep -q "Plan: 0 to add, 3 to change, 0 to destroy." "$case_dir/summary.md"

new_case plan_bad_lock_setting
run plan.sh TF_PLAN_LOCK=maybe
check "exits non-zero" test "$rc" -ne 0
check "does not plan" not_planned

echo "deploy.sh (and shift-traffic.sh) against a stub terraform and aws:"

deploy_outputs=(codedeploy_application_name=octo-responder-dev canary_check_function_name=octo-responder-dev-canary-check
  accept_message_function_arn="$accept" accept_message_version=8
  process_message_function_arn="$process" process_message_version=10)

new_case deploy_shifts_the_three
outputs "${deploy_outputs[@]}" sweep_interruptions_function_arn="$sweep" sweep_interruptions_version=4
alias_of accept-message 7
alias_of process-message 9
alias_of sweep-interruptions 3
saved_plan
run deploy.sh
check "exits 0" test "$rc" -eq 0
check "applies the saved plan" applied
check "gives Terraform the API key again (an ephemeral value is not in the plan)" tf_call_with_key apply set
check "shifts process-message, then accept-message, then sweep-interruptions" \
  test "$(shifted)" = "octo-responder-dev-process-message octo-responder-dev-accept-message octo-responder-dev-sweep-interruptions"
check "moves the sweep's live from 3 to 4" shifted_to octo-responder-dev-sweep-interruptions 3 4
check "moves accept-message's live from 7 to 8" shifted_to octo-responder-dev-accept-message 7 8
check "moves process-message's live from 9 to 10" shifted_to octo-responder-dev-process-message 9 10
check "in the CodeDeploy application of the outputs" \
  in_a_call "$case_dir/calls" deploy create-deployment --application-name octo-responder-dev --deployment-group-name octo-responder-dev-sweep-interruptions
check "every AppSpec runs canary-check before and after traffic moves" hooked_with octo-responder-dev-canary-check
check "removes the applied plan" test ! -e "$(plan_path)"
check "says all are live" said "dev is live on the new versions"

new_case deploy_the_reviewed_plan
outputs "${deploy_outputs[@]}"
alias_of accept-message 7
alias_of process-message 9
saved_plan
run deploy.sh PLAN_SHA256="$(sha256sum "$(plan_path)" | cut -d' ' -f1)"
check "exits 0" test "$rc" -eq 0
check "says the plan is the reviewed one" said "the saved plan is the reviewed one"
check "applies it" applied

new_case deploy_refuses_another_plan
outputs "${deploy_outputs[@]}"
saved_plan
run deploy.sh PLAN_SHA256=0000000000000000000000000000000000000000000000000000000000000000
check "exits non-zero" test "$rc" -ne 0
check "applies nothing" not_applied
check "shifts nothing" no_aws_call
check "says why" said "not the 0000000000000000000000000000000000000000000000000000000000000000 that was reviewed"

new_case deploy_without_the_sweep
outputs "${deploy_outputs[@]}"
alias_of accept-message 7
alias_of process-message 9
saved_plan
run deploy.sh
check "exits 0" test "$rc" -eq 0
check "shifts process-message, then accept-message, nothing else" \
  test "$(shifted)" = "octo-responder-dev-process-message octo-responder-dev-accept-message"
check "says there is no sweep to shift" said "no sweep-interruptions (sweep_enabled = false), nothing to shift"

new_case deploy_first_sweep
outputs "${deploy_outputs[@]}" sweep_interruptions_function_arn="$sweep" sweep_interruptions_version=1
alias_of accept-message 7
alias_of process-message 9
alias_of sweep-interruptions 1
saved_plan
run deploy.sh
check "exits 0" test "$rc" -eq 0
check "starts no deployment for a new sweep (the apply created live on its first version)" \
  test "$(shifted)" = "octo-responder-dev-process-message octo-responder-dev-accept-message"
check "says so" said "sweep-interruptions:live is already on version 1"

new_case deploy_sweep_rolled_back
outputs "${deploy_outputs[@]}" sweep_interruptions_function_arn="$sweep" sweep_interruptions_version=4
alias_of accept-message 7
alias_of process-message 9
alias_of sweep-interruptions 3
echo Failed >"$case_dir/status/octo-responder-dev-sweep-interruptions"
saved_plan
run deploy.sh
check "exits non-zero when the sweep's deployment fails (e.g. its canary-check hook reported Failed)" test "$rc" -ne 0
check "says CodeDeploy rolled the sweep back" said "rolled octo-responder-dev-sweep-interruptions:live back to version 3"
check "does not say the environment is live" never_said "is live on the new versions"

new_case deploy_sweep_half_known
outputs "${deploy_outputs[@]}" sweep_interruptions_function_arn="$sweep"
alias_of accept-message 7
alias_of process-message 9
saved_plan
run deploy.sh
check "exits non-zero when the sweep has a function but no version output" test "$rc" -ne 0
check "names the missing output" said "no sweep_interruptions_function_arn or sweep_interruptions_version output"

new_case deploy_state_unreadable_after_apply
saved_plan
run deploy.sh
check "exits non-zero" test "$rc" -ne 0
check "applied the plan" applied
check "shifts nothing" test "$(aws_calls create-deployment)" -eq 0
check "says live has not been shifted" said "live has not been shifted"

new_case deploy_without_an_application_output
outputs canary_check_function_name=octo-responder-dev-canary-check accept_message_function_arn="$accept" accept_message_version=8 \
  process_message_function_arn="$process" process_message_version=10
saved_plan
run deploy.sh
check "exits non-zero (CodeDeploy is always on: Terraform never moves live)" test "$rc" -ne 0
check "shifts nothing" no_aws_call
check "says live has not been shifted" said "no codedeploy_application_name output: live has not been shifted"

new_case deploy_without_the_hook_output
outputs codedeploy_application_name=octo-responder-dev accept_message_function_arn="$accept" accept_message_version=8 \
  process_message_function_arn="$process" process_message_version=10
saved_plan
run deploy.sh
check "exits non-zero" test "$rc" -ne 0
check "shifts nothing without the canary-check hook" no_aws_call
check "names the missing output" said "no canary_check_function_name output"

new_case deploy_without_a_plan
run deploy.sh
check "exits non-zero" test "$rc" -ne 0
check "applies nothing" not_applied
check "says to plan first" said "run make plan ENV=dev first"

echo "shift-traffic.sh: the wait follows the deployment configuration; a timeout stops and checks:"

new_case shift_all_at_once
alias_of accept-message 7
shift_accept
check "exits 0" test "$rc" -eq 0
check "reads the group's deployment configuration" \
  in_a_call "$case_dir/calls" deploy get-deployment-group --application-name octo-responder-dev --deployment-group-name octo-responder-dev-accept-message
check "reads that configuration's traffic routing" \
  in_a_call "$case_dir/calls" deploy get-deployment-config --deployment-config-name CodeDeployDefault.LambdaAllAtOnce
check "waits for the hooks' margin only (2100 s by default)" said "shifts for 0 s; waiting up to 2100 s"
check "hooks canary-check" hooked_with octo-responder-dev-canary-check

new_case shift_canary
alias_of accept-message 7
echo CodeDeployDefault.LambdaCanary10Percent5Minutes >"$case_dir/group-config"
printf 'TimeBasedCanary\t5\tNone\tNone\n' >"$case_dir/routing"
printf '%s\n' Created InProgress InProgress Succeeded >"$case_dir/status/octo-responder-dev-accept-message"
shift_accept
check "exits 0 once the deployment succeeds" test "$rc" -eq 0
check "reads the group's configuration by name" \
  in_a_call "$case_dir/calls" deploy get-deployment-config --deployment-config-name CodeDeployDefault.LambdaCanary10Percent5Minutes
check "waits the canary interval plus the margin (300 + 2100 s)" said "(TimeBasedCanary) shifts for 300 s; waiting up to 2400 s"
check "polls until Succeeded" test "$(aws_calls get-deployment)" -eq 4

new_case shift_linear
alias_of accept-message 7
echo CodeDeployDefault.LambdaLinear10PercentEvery10Minutes >"$case_dir/group-config"
printf 'TimeBasedLinear\tNone\t10\t10\n' >"$case_dir/routing"
shift_accept SHIFT_MARGIN_SECONDS=60
check "exits 0" test "$rc" -eq 0
check "waits ten 10-minute steps plus the margin given (6000 + 60 s)" said "(TimeBasedLinear) shifts for 6000 s; waiting up to 6060 s with the hooks' margin (SHIFT_MARGIN_SECONDS=60)"

new_case shift_linear_uneven
alias_of accept-message 7
echo Linear33 >"$case_dir/group-config"
printf 'TimeBasedLinear\tNone\t2\t33\n' >"$case_dir/routing"
shift_accept SHIFT_MARGIN_SECONDS=0
check "counts a last partial step (4 steps of 2 minutes for 33 %)" said "shifts for 480 s; waiting up to 480 s"

new_case shift_fixed_timeout
alias_of accept-message 7
shift_accept SHIFT_TIMEOUT_SECONDS=120
check "exits 0" test "$rc" -eq 0
check "takes SHIFT_TIMEOUT_SECONDS without reading the configuration" test "$(aws_calls get-deployment-group)" -eq 0
check "says so" said "waiting up to 120 s (SHIFT_TIMEOUT_SECONDS)"

new_case shift_configuration_unreadable
alias_of accept-message 7
echo "An error occurred (AccessDeniedException) when calling the GetDeploymentGroup operation" >"$case_dir/group-config"
shift_accept
check "exits non-zero" test "$rc" -ne 0
check "starts no deployment" test "$(aws_calls create-deployment)" -eq 0
check "says nothing was shifted" said "cannot read the deployment group octo-responder-dev/octo-responder-dev-accept-message: nothing shifted"

new_case shift_unknown_routing
alias_of accept-message 7
printf 'TimeBasedSomething\tNone\tNone\tNone\n' >"$case_dir/routing"
shift_accept
check "exits non-zero" test "$rc" -ne 0
check "starts no deployment" test "$(aws_calls create-deployment)" -eq 0
check "names the routing it does not know" said "unknown traffic routing 'TimeBasedSomething'"

new_case shift_without_the_hook
alias_of accept-message 7
shift_accept CANARY_CHECK_FUNCTION=
check "exits non-zero" test "$rc" -ne 0
check "asks AWS nothing" no_aws_call
check "says the hook is required" said "set CANARY_CHECK_FUNCTION"

new_case shift_timeout_stops_and_rolls_back
alias_of accept-message 7
printf '%s\n' InProgress InProgress Stopped >"$case_dir/status/octo-responder-dev-accept-message"
shift_accept SHIFT_MARGIN_SECONDS=0
check "exits non-zero" test "$rc" -ne 0
check "stops the deployment with rollback" stopped_with_rollback
check "says the stop was accepted" said "stop of d-octo-responder-dev-accept-message accepted (Pending"
check "waits for it to end, then says it rolls back" \
  said "timed out after 0 s and is Stopped: CodeDeploy rolls octo-responder-dev-accept-message:live back to version 7"

new_case shift_timeout_stop_refused
alias_of accept-message 7
printf '%s\n' InProgress >"$case_dir/status/octo-responder-dev-accept-message"
echo "An error occurred (AccessDeniedException) when calling the StopDeployment operation" >"$case_dir/stop"
shift_accept SHIFT_MARGIN_SECONDS=0 SHIFT_STOP_WAIT_SECONDS=0
check "exits non-zero" test "$rc" -ne 0
check "tried to stop it" stopped_with_rollback
check "says honestly that it could not stop it, and where live may end" \
  said "could NOT stop deployment d-octo-responder-dev-accept-message (above): it is InProgress and goes on by itself"
check "shows CodeDeploy's refusal" said AccessDeniedException
check "does not claim a rollback" never_said "rolls octo-responder-dev-accept-message:live back"

new_case shift_timeout_stop_answer_unknown
alias_of accept-message 7
printf '%s\n' InProgress >"$case_dir/status/octo-responder-dev-accept-message"
printf 'Refused\tNone\n' >"$case_dir/stop"
shift_accept SHIFT_MARGIN_SECONDS=0 SHIFT_STOP_WAIT_SECONDS=0
check "exits non-zero" test "$rc" -ne 0
check "says the stop's answer was not Pending or Succeeded" said "not Pending or Succeeded"
check "does not claim a rollback" never_said "rolls octo-responder-dev-accept-message:live back"

new_case shift_timeout_stop_never_ends
alias_of accept-message 7
printf '%s\n' InProgress >"$case_dir/status/octo-responder-dev-accept-message"
shift_accept SHIFT_MARGIN_SECONDS=0 SHIFT_STOP_WAIT_SECONDS=0
check "exits non-zero" test "$rc" -ne 0
check "says the deployment has not ended since the stop" said "is still InProgress 0 s after CodeDeploy accepted its stop"

new_case shift_timeout_but_succeeded
alias_of accept-message 7
printf '%s\n' InProgress Succeeded >"$case_dir/status/octo-responder-dev-accept-message"
printf 'Succeeded\tNone\n' >"$case_dir/stop"
shift_accept SHIFT_MARGIN_SECONDS=0
check "exits 0 when the deployment succeeded before the stop took effect" test "$rc" -eq 0
check "warns" said "succeeded before the stop took effect: octo-responder-dev-accept-message:live is on version 8"

echo "smoke-test.sh against a stub terraform, aws and curl:"

alias_arn=$sweep:live
smoke_outputs=(webhook_url=https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook webhook_header_name=X-Octopus-Token
  webhook_token_parameter=/octo-responder/dev/webhook-token
  queue_url=https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages.fifo
  dlq_url=https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages-dlq.fifo)
sweep_outputs=(sweep_schedule_group_name=octo-responder-dev sweep_schedule_name=octo-responder-dev-sweep-interruptions
  sweep_interruptions_alias_arn="$alias_arn" sweep_dlq_url=https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-sweep-dlq)
# smoke_case NAME: a new case whose webhook secret, in SSM, is "token-not-for-logs".
smoke_case() {
  new_case "$1"
  echo token-not-for-logs >"$case_dir/ssm/_octo-responder_dev_webhook-token"
}
dlq_name=octo-responder-dev-messages-dlq.fifo
# dead_letter ID [BODY_ID]: one received DLQ message as receive-message prints it, whose EventId
# attribute is ID and whose body's Payload.Event.Id is BODY_ID (default ID; "" for a body that is
# not JSON and no attribute).
dead_letter() {
  jq -cn --arg id "$1" --arg body_id "${2-$1}" '{Messages: [{MessageId: ("m-" + $id + $body_id), ReceiptHandle: "r",
    Body: (if $body_id == "" then "not json" else ({Payload: {Event: {Id: $body_id}}} | tojson) end),
    MessageAttributes: (if $id == "" then {} else {EventId: {StringValue: $id, DataType: "String"}} end)}]}'
}
# never_invoked: no Lambda invocation of any kind (the sweep would queue real interruptions).
never_invoked() { ! grep -qx '\[invoke\]\|\[invoke-async\]\|\[invoke-with-response-stream\]' "$case_dir/calls"; }

smoke_case smoke_checks_the_sweep
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'ENABLED\t%s\n' "$alias_arn" >"$case_dir/schedule"
printf '4\tActive\n' >"$case_dir/live"
run smoke-test.sh
check "exits 0" test "$rc" -eq 0
check "reads the schedule by its group and name" \
  in_a_call "$case_dir/calls" scheduler get-schedule --group-name octo-responder-dev --name octo-responder-dev-sweep-interruptions
check "reads the configuration behind the live alias" \
  in_a_call "$case_dir/calls" lambda get-function-configuration --function-name "$alias_arn"
check "says the schedule invokes live" said "is enabled and invokes live (version 4, Active)"
check "never invokes a function" never_invoked
check "passes" said "smoke: dev passed"

# curl_calls: how many requests the smoke test sent.
curl_calls() { grep -c '^\[-X\]$' "$case_dir/curl-calls" || true; }
# never_sent VALUE: no header file the smoke test gave curl holds VALUE.
never_sent() { ! grep -qF -- "$1" "$case_dir/headers-sent"; }
# none_on_a_command_line VALUE...: no curl argument holds any VALUE.
none_on_a_command_line() {
  local value
  for value in "$@"; do ! grep -qF -- "$value" "$case_dir/curl-calls" || return 1; done
}
# none_said VALUE...: the output holds no VALUE.
none_said() {
  local value
  for value in "$@"; do never_said "$value" || return 1; done
}

smoke_case smoke_signs_the_webhook_with_the_rule_s_token
outputs "${smoke_outputs[@]}"
run smoke-test.sh
check "exits 0" test "$rc" -eq 0
check "posts three webhooks: no header, another rule's token, the rule's token" test "$(curl_calls)" -eq 3
check "posts to the rule's URL" in_a_call "$case_dir/curl-calls" \
  "https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Result&action=Proceed"
check "presents the token of type=Result&action=Proceed" \
  grep -qx 'X-Octopus-Token: d97b4cd7031359217f4504a73c27a632146949e27889b9cba4047fc91d723e33' "$case_dir/headers-sent"
check "presents another rule's token to be refused" grep -qx "X-Octopus-Token: $abort_token" "$case_dir/headers-sent"
check "reads the webhook secret from SSM, decrypted" \
  in_a_call "$case_dir/calls" ssm get-parameter --name /octo-responder/dev/webhook-token --with-decryption
check "never sends the secret itself" never_sent token-not-for-logs
check "puts no token or secret on curl's command line" \
  none_on_a_command_line token-not-for-logs d97b4cd7031359217f4504a73c27a632146949e27889b9cba4047fc91d723e33 "$abort_token"
check "never prints the secret or a token" \
  none_said token-not-for-logs d97b4cd7031359217f4504a73c27a632146949e27889b9cba4047fc91d723e33 "$abort_token"
check "says another rule's token was refused" said "webhook presenting another rule's token refused (401)"
check "says the signed webhook was queued" said "with the token of type=Result&action=Proceed, queued (202"

smoke_case smoke_another_rule_s_token_accepted
outputs "${smoke_outputs[@]}"
: >"$case_dir/accept-any"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says the token of another rule was accepted" \
  said "presenting the token of type=Result&action=Abort answered 202, expected 401"
check "queues nothing after it" test "$(curl_calls)" -eq 2

smoke_case smoke_wrong_secret
run smoke-test.sh WEBHOOK_URL=https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook WEBHOOK_HEADER_NAME=X-Octopus-Token \
  WEBHOOK_HEADER_VALUE=not-the-environment-s-secret QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo \
  DLQ_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/dlq.fifo
check "exits non-zero" test "$rc" -ne 0
check "says the signed webhook was refused, and what to check" \
  said "answered 401, expected 202 (is the secret in WEBHOOK_HEADER_VALUE the one accept-message reads?"
check "reads no secret from SSM when given one" test "$(aws_calls get-parameter)" -eq 0

smoke_case smoke_without_the_sweep
outputs "${smoke_outputs[@]}"
run smoke-test.sh
check "exits 0" test "$rc" -eq 0
check "says there is no sweep" said "dev has no sweep (sweep_enabled = false)"
check "asks Scheduler nothing" test "$(aws_calls get-schedule)" -eq 0

smoke_case smoke_schedule_disabled
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'DISABLED\t%s\n' "$alias_arn" >"$case_dir/schedule"
printf '4\tActive\n' >"$case_dir/live"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says the schedule is disabled" said "is DISABLED: no sweep runs"

smoke_case smoke_schedule_invokes_something_else
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'ENABLED\t%s\n' "$sweep" >"$case_dir/schedule"
printf '4\tActive\n' >"$case_dir/live"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says what the schedule invokes instead" said "invokes $sweep, not $alias_arn"

smoke_case smoke_sweep_version_failed
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'ENABLED\t%s\n' "$alias_arn" >"$case_dir/schedule"
printf '4\tFailed\n' >"$case_dir/live"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says the live version is Failed" said "whose state is Failed"

smoke_case smoke_sweep_dead_letters
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'ENABLED\t%s\n' "$alias_arn" >"$case_dir/schedule"
printf '4\tActive\n' >"$case_dir/live"
echo 2 >"$case_dir/queue/octo-responder-dev-sweep-dlq"
run smoke-test.sh
check "exits 0 (the sweep's dead letters may predate the deploy)" test "$rc" -eq 0
check "reports them" said "the sweep's dead-letter queue holds 2 invocation(s)"

smoke_case smoke_secret_unreadable
outputs "${smoke_outputs[@]}"
rm "$case_dir/ssm/_octo-responder_dev_webhook-token"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "posts no webhook" test ! -e "$case_dir/curl-calls"
check "says which parameter it cannot read" said "cannot read the webhook secret from the SSM parameter /octo-responder/dev/webhook-token"

smoke_case smoke_empty_dlq
outputs "${smoke_outputs[@]}"
run smoke-test.sh
check "exits 0" test "$rc" -eq 0
check "receives nothing from an empty DLQ" test "$(aws_calls receive-message)" -eq 0
check "says it is empty" said "dead-letter queue empty"

smoke_case smoke_older_dead_letter
outputs "${smoke_outputs[@]}"
printf '1\n1\n' >"$case_dir/queue/$dlq_name"
dead_letter Events-1234 >"$case_dir/receive/$dlq_name.1"
run smoke-test.sh
check "exits 0: an older dead letter does not block a promotion" test "$rc" -eq 0
check "warns about it before the test" said "already holds 1 message(s) from before this test"
check "and after it, as not this test's" said "holds 1 older message(s), none of them this test's Events-smoke-"
check "looks at the DLQ's messages with their EventId attribute, hidden for a moment" \
  in_a_call "$case_dir/calls" sqs receive-message --queue-url "https://sqs.eu-west-1.amazonaws.com/123456789012/$dlq_name" \
  --max-number-of-messages 10 --visibility-timeout 30 --wait-time-seconds 0
check "asks for the EventId attribute" in_a_call "$case_dir/calls" --message-attribute-names EventId
check "passes" said "smoke: dev passed"

smoke_case smoke_own_dead_letter
outputs "${smoke_outputs[@]}"
printf '1\n2\n' >"$case_dir/queue/$dlq_name"
{ dead_letter Events-1234; } >"$case_dir/receive/$dlq_name.1"
dead_letter "" @OWN@ >"$case_dir/receive/$dlq_name.2"
run smoke-test.sh
check "exits non-zero when its own event is in the DLQ (found by the body's Payload.Event.Id)" test "$rc" -ne 0
check "says so" said "the dead-letter queue holds this test's own event Events-smoke-"
check "does not pass" never_said "smoke: dev passed"

smoke_case smoke_own_dead_letter_by_attribute
outputs "${smoke_outputs[@]}"
printf '0\n1\n' >"$case_dir/queue/$dlq_name"
dead_letter @OWN@ "" >"$case_dir/receive/$dlq_name.1"
run smoke-test.sh
check "exits non-zero when its own event is in the DLQ (found by the EventId attribute)" test "$rc" -ne 0
check "says so" said "holds this test's own event Events-smoke-"

smoke_case smoke_dlq_grew_unseen
outputs "${smoke_outputs[@]}"
printf '1\n3\n' >"$case_dir/queue/$dlq_name"
dead_letter Events-1234 >"$case_dir/receive/$dlq_name.1"
run smoke-test.sh
check "exits non-zero when the DLQ grew and not every message could be looked at" test "$rc" -ne 0
check "says so" said "grew from 1 to 3 message(s) during the test and only 1 could be looked at"

smoke_case smoke_dlq_unreadable_unchanged
outputs "${smoke_outputs[@]}"
printf '2\n2\n' >"$case_dir/queue/$dlq_name"
echo "An error occurred (AccessDenied) when calling the ReceiveMessage operation" >"$case_dir/receive/$dlq_name.1"
run smoke-test.sh
check "exits 0 when the DLQ cannot be read but did not grow" test "$rc" -eq 0
check "warns that it could not look" said "as before the test, and cannot be read"

smoke_case smoke_dlq_unreadable_grew
outputs "${smoke_outputs[@]}"
printf '0\n1\n' >"$case_dir/queue/$dlq_name"
echo "An error occurred (AccessDenied) when calling the ReceiveMessage operation" >"$case_dir/receive/$dlq_name.1"
run smoke-test.sh
check "exits non-zero when the DLQ grew and cannot be read" test "$rc" -ne 0
check "says so" said "grew from 0 to 1 message(s) during the test and cannot be read"

smoke_case smoke_state_unreadable
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "posts no webhook" test ! -e "$case_dir/curl-calls"
check "says the state's outputs cannot be read" said "cannot read the outputs of the dev state"

smoke_case smoke_from_the_environment
run smoke-test.sh WEBHOOK_URL=https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook WEBHOOK_HEADER_NAME=X-Octopus-Token \
  WEBHOOK_HEADER_VALUE=token QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo \
  DLQ_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/dlq.fifo
check "exits 0" test "$rc" -eq 0
check "runs no terraform" test ! -s "$case_dir/tf-calls"
check "says the sweep was not checked, and how to check it" said "sweep not checked (set SWEEP_SCHEDULE_GROUP"

if ((failures > 0)); then
  echo "delivery.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "delivery.sh: all checks passed"
