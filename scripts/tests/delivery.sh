#!/usr/bin/env bash
# Tests scripts/plan.sh, deploy.sh (with shift-traffic.sh) and smoke-test.sh (make script-test)
# without AWS or a Terraform state: stub `aws`, `terraform`, `curl` and `sleep` on PATH record
# their arguments and answer from files in each case's directory. Above all: the three
# functions' live versions reach the plan and the three live aliases are shifted, the sweep's
# left out only when the state has no sweep (sweep_enabled = false), never because the state
# could not be read. Nothing leaves the machine; nothing is written outside a temporary directory.
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
# answers:
#   lambda get-alias                   $STUB/alias/<function name>: the version; a file starting
#                                      with "An error" is an error (stderr, exit 254); no file:
#                                      ResourceNotFoundException
#   deploy create-deployment           deployment id d-<group>
#   deploy get-deployment              $STUB/status/<group>, else Succeeded
#   sqs get-queue-attributes           $STUB/queue/<queue name>, else 0
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
case "$1 $2" in
  "lambda get-alias")
    fn=$(arg --function-name "$@")
    file=$STUB/alias/${fn##*:}
    if [[ ! -f $file ]]; then
      echo "An error occurred (ResourceNotFoundException) when calling the GetAlias operation: Alias not found" >&2
      exit 254
    elif grep -q '^An error' "$file"; then
      cat "$file" >&2
      exit 254
    fi
    cat "$file"
    ;;
  "deploy create-deployment") echo "d-$(arg --deployment-group-name "$@")" ;;
  "deploy get-deployment")
    id=$(arg --deployment-id "$@")
    cat "$STUB/status/${id#d-}" 2>/dev/null || echo Succeeded
    ;;
  "deploy stop-deployment") ;;
  "sqs get-queue-attributes")
    url=$(arg --queue-url "$@")
    cat "$STUB/queue/${url##*/}" 2>/dev/null || echo 0
    ;;
  "scheduler get-schedule") cat "$STUB/schedule" ;;
  "lambda get-function-configuration") cat "$STUB/live" ;;
  *) echo "stub aws: unexpected call: $*" >&2; exit 2 ;;
esac
SH
# terraform: records its arguments in $STUB/tf-calls. init, plan and apply succeed; output -json
# prints $STUB/outputs.json (the state's outputs; no file: the state cannot be read), output -raw
# NAME the value of NAME in it (failing when absent, as Terraform does for a null output).
cat >"$work/bin/terraform" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; echo; } >>"$STUB/tf-calls"
case " $* " in
  *" init "* | *" plan "* | *" apply "*) exit 0 ;;
  *" output "*" -json "*)
    [[ -f $STUB/outputs.json ]] || { echo "Error: Failed to load state: AccessDenied" >&2; exit 1; }
    cat "$STUB/outputs.json"
    ;;
  *" output "*" -raw "*)
    [[ -f $STUB/outputs.json ]] || exit 1
    jq -er --arg name "${*: -1}" '.[$name].value' "$STUB/outputs.json" | tr -d '\n'
    ;;
  *) echo "stub terraform: unexpected call: $*" >&2; exit 2 ;;
esac
SH
# curl: the smoke test's webhooks, as accept-message answers them: 202 when the header file
# (-H @file) holds a header line listed in $ACCEPTED_HEADERS (each rule's token, computed below
# by Python, not openssl), or any header file at all when $STUB/accept-any exists (an
# accept-message that does not tell rules apart); else 401. Each header file's content is
# appended to $STUB/headers-sent.
cat >"$work/bin/curl" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; echo; } >>"$STUB/curl-calls"
out=/dev/null status=401
while (($#)); do
  case $1 in
    --output) out=$2; shift ;;
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
# under the secrets the cases use ("token-not-for-logs" from the state, "token" from the
# environment): HMAC-SHA256 of the canonical query, computed with Python's hmac module, e.g.
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
  mkdir -p "$case_dir/alias" "$case_dir/status" "$case_dir/queue"
  : >"$case_dir/calls"
  : >"$case_dir/tf-calls"
}
# outputs NAME=VALUE...: the state's outputs as `terraform output -json` prints them (string
# outputs; the webhook token, sensitive, is always among them). Null outputs are left out, as
# Terraform leaves them out of the state.
outputs() {
  jq -n '$ARGS.positional
    | map(index("=") as $i | {key: .[:$i], value: {sensitive: false, type: "string", value: .[$i + 1:]}})
    | from_entries + {webhook_header_value: {sensitive: true, type: "string", value: "token-not-for-logs"}}' \
    --args "$@" >"$case_dir/outputs.json"
}
# alias_of FUNCTION ANSWER: the stub's answer to get-alias for that function's live alias.
alias_of() { echo "$2" >"$case_dir/alias/octo-responder-dev-$1"; }
# saved_plan: the plan file deploy.sh applies.
saved_plan() { mkdir -p "$case_dir/tf-data/deploy-dev" && : >"$case_dir/tf-data/deploy-dev/dev.tfplan"; }
# run SCRIPT [VAR=VALUE...]: runs scripts/SCRIPT for dev with the stubs; sets rc, leaves the
# output in $case_dir/out.
run() {
  local script=$1
  shift
  rc=0
  env PATH="$work/bin:$PATH" STUB="$case_dir" TF="$work/bin/terraform" DEPLOY_DATA_ROOT="$case_dir/tf-data" \
    TF_VAR_octopus_api_key=API-TEST TF_VAR_webhook_token=token SHIFT_POLL_SECONDS=1 ACCEPTED_HEADERS="$accepted_headers" "$@" \
    bash "$scripts/$script" dev >"$case_dir/out" 2>&1 || rc=$?
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
plan_vars() { awk -v RS= 'index($0, "\n[plan]\n")' "$case_dir/tf-calls" | grep -c '_live_version=' || true; }
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

echo "plan.sh against a stub terraform and aws:"

new_case plan_reads_the_three_live_versions
outputs accept_message_function_arn="$accept" process_message_function_arn="$process" sweep_interruptions_function_arn="$sweep"
alias_of accept-message 7
alias_of process-message 9
alias_of sweep-interruptions 3
run plan.sh
check "exits 0" test "$rc" -eq 0
check "plans with accept_message_live_version=7" planned_with -var accept_message_live_version=7
check "plans with process_message_live_version=9" planned_with -var process_message_live_version=9
check "plans with sweep_interruptions_live_version=3" planned_with -var sweep_interruptions_live_version=3
check "plans with codedeploy_enabled=true" planned_with -var codedeploy_enabled=true
check "reads each live alias once" test "$(aws_calls get-alias)" -eq 3
check "reads the sweep's alias by its function ARN" \
  in_a_call "$case_dir/calls" lambda get-alias --function-name "$sweep" --name live
check "says what live is" said "sweep-interruptions 3;"
check "never prints a sensitive output" never_said token-not-for-logs

new_case plan_without_the_sweep
outputs accept_message_function_arn="$accept" process_message_function_arn="$process"
alias_of accept-message 7
alias_of process-message 9
run plan.sh
check "exits 0" test "$rc" -eq 0
check "asks AWS for no sweep alias" test "$(aws_calls get-alias)" -eq 2
check "plans with sweep_interruptions_live_version=published (ignored with sweep_enabled = false, the first version with true)" \
  planned_with -var sweep_interruptions_live_version=published
check "still plans with the other two versions" planned_with -var process_message_live_version=9

new_case plan_sweep_without_alias
outputs accept_message_function_arn="$accept" process_message_function_arn="$process" sweep_interruptions_function_arn="$sweep"
alias_of accept-message 7
alias_of process-message 9
run plan.sh
check "exits 0" test "$rc" -eq 0
check "plans with sweep_interruptions_live_version=published when its alias does not exist" \
  planned_with -var sweep_interruptions_live_version=published

new_case plan_first_deploy
echo '{}' >"$case_dir/outputs.json"
run plan.sh
check "exits 0" test "$rc" -eq 0
check "asks AWS nothing" no_aws_call
check "passes the three live versions" test "$(plan_vars)" -eq 3
check "plans with sweep_interruptions_live_version=published" planned_with -var sweep_interruptions_live_version=published
check "plans with accept_message_live_version=published" planned_with -var accept_message_live_version=published

new_case plan_sweep_alias_unreadable
outputs accept_message_function_arn="$accept" process_message_function_arn="$process" sweep_interruptions_function_arn="$sweep"
alias_of accept-message 7
alias_of process-message 9
alias_of sweep-interruptions "An error occurred (AccessDeniedException) when calling the GetAlias operation"
run plan.sh
check "exits non-zero" test "$rc" -ne 0
check "does not plan" not_planned
check "says which alias it cannot read" said "cannot read the live alias of $sweep"

new_case plan_sweep_alias_not_on_a_version
outputs accept_message_function_arn="$accept" process_message_function_arn="$process" sweep_interruptions_function_arn="$sweep"
alias_of accept-message 7
alias_of process-message 9
alias_of sweep-interruptions "\$LATEST"
run plan.sh
check "exits non-zero" test "$rc" -ne 0
check "does not plan" not_planned
check "says live is not on a published version" said "not a published version"

new_case plan_state_unreadable
run plan.sh
check "exits non-zero" test "$rc" -ne 0
check "does not plan" not_planned
check "asks AWS nothing (an unreadable state is not a first deploy)" no_aws_call
check "says the state's outputs cannot be read" said "cannot read the outputs of the dev state"

new_case plan_without_codedeploy
run plan.sh CODEDEPLOY=false
check "exits 0" test "$rc" -eq 0
check "plans with codedeploy_enabled=false" planned_with -var codedeploy_enabled=false
check "passes no live version" test "$(plan_vars)" -eq 0
check "asks AWS nothing" no_aws_call

echo "deploy.sh (and shift-traffic.sh) against a stub terraform and aws:"

deploy_outputs=(codedeploy_application_name=octo-responder-dev
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
check "shifts process-message, then accept-message, then sweep-interruptions" \
  test "$(shifted)" = "octo-responder-dev-process-message octo-responder-dev-accept-message octo-responder-dev-sweep-interruptions"
check "moves the sweep's live from 3 to 4" shifted_to octo-responder-dev-sweep-interruptions 3 4
check "moves accept-message's live from 7 to 8" shifted_to octo-responder-dev-accept-message 7 8
check "moves process-message's live from 9 to 10" shifted_to octo-responder-dev-process-message 9 10
check "in the CodeDeploy application of the outputs" \
  in_a_call "$case_dir/calls" deploy create-deployment --application-name octo-responder-dev --deployment-group-name octo-responder-dev-sweep-interruptions
check "says all are live" said "dev is live on the new versions"

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
check "exits non-zero when the sweep's deployment fails" test "$rc" -ne 0
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
check "does not claim CodeDeploy is off" never_said "CodeDeploy is off"

new_case deploy_without_codedeploy
outputs accept_message_function_arn="$accept" accept_message_version=8 process_message_function_arn="$process" \
  process_message_version=10 sweep_interruptions_function_arn="$sweep" sweep_interruptions_version=4
saved_plan
run deploy.sh
check "exits 0" test "$rc" -eq 0
check "asks AWS nothing" no_aws_call
check "says Terraform moved live" said "CodeDeploy is off for dev"

new_case deploy_without_a_plan
run deploy.sh
check "exits non-zero" test "$rc" -ne 0
check "applies nothing" not_applied
check "says to plan first" said "run make plan ENV=dev first"

echo "smoke-test.sh's sweep check against a stub terraform, aws and curl:"

alias_arn=$sweep:live
smoke_outputs=(webhook_url=https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook webhook_header_name=X-Octopus-Token
  queue_url=https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages.fifo
  dlq_url=https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-messages-dlq.fifo)
sweep_outputs=(sweep_schedule_group_name=octo-responder-dev sweep_schedule_name=octo-responder-dev-sweep-interruptions
  sweep_interruptions_alias_arn="$alias_arn" sweep_dlq_url=https://sqs.eu-west-1.amazonaws.com/123456789012/octo-responder-dev-sweep-dlq)
# never_invoked: no Lambda invocation of any kind (the sweep would queue real interruptions).
never_invoked() { ! grep -qx '\[invoke\]\|\[invoke-async\]\|\[invoke-with-response-stream\]' "$case_dir/calls"; }

new_case smoke_checks_the_sweep
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

new_case smoke_signs_the_webhook_with_the_rule_s_token
outputs "${smoke_outputs[@]}"
run smoke-test.sh
check "exits 0" test "$rc" -eq 0
check "posts three webhooks: no header, another rule's token, the rule's token" test "$(curl_calls)" -eq 3
check "posts to the rule's URL" in_a_call "$case_dir/curl-calls" \
  "https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Result&action=Proceed"
check "presents the token of type=Result&action=Proceed" \
  grep -qx 'X-Octopus-Token: d97b4cd7031359217f4504a73c27a632146949e27889b9cba4047fc91d723e33' "$case_dir/headers-sent"
check "presents another rule's token to be refused" grep -qx "X-Octopus-Token: $abort_token" "$case_dir/headers-sent"
check "never sends the secret itself" never_sent token-not-for-logs
check "puts no token or secret on curl's command line" \
  none_on_a_command_line token-not-for-logs d97b4cd7031359217f4504a73c27a632146949e27889b9cba4047fc91d723e33 "$abort_token"
check "never prints the secret or a token" \
  none_said token-not-for-logs d97b4cd7031359217f4504a73c27a632146949e27889b9cba4047fc91d723e33 "$abort_token"
check "says another rule's token was refused" said "webhook presenting another rule's token refused (401)"
check "says the signed webhook was queued" said "with the token of type=Result&action=Proceed, queued (202"

new_case smoke_another_rule_s_token_accepted
outputs "${smoke_outputs[@]}"
: >"$case_dir/accept-any"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says the token of another rule was accepted" \
  said "presenting the token of type=Result&action=Abort answered 202, expected 401"
check "queues nothing after it" test "$(curl_calls)" -eq 2

new_case smoke_wrong_secret
run smoke-test.sh WEBHOOK_URL=https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook WEBHOOK_HEADER_NAME=X-Octopus-Token \
  WEBHOOK_HEADER_VALUE=not-the-environment-s-secret QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo \
  DLQ_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/dlq.fifo
check "exits non-zero" test "$rc" -ne 0
check "says the signed webhook was refused, and what to check" \
  said "answered 401, expected 202 (is WEBHOOK_HEADER_VALUE the environment's webhook secret?)"

new_case smoke_without_the_sweep
outputs "${smoke_outputs[@]}"
run smoke-test.sh
check "exits 0" test "$rc" -eq 0
check "says there is no sweep" said "dev has no sweep (sweep_enabled = false)"
check "asks Scheduler nothing" test "$(aws_calls get-schedule)" -eq 0

new_case smoke_schedule_disabled
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'DISABLED\t%s\n' "$alias_arn" >"$case_dir/schedule"
printf '4\tActive\n' >"$case_dir/live"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says the schedule is disabled" said "is DISABLED: no sweep runs"

new_case smoke_schedule_invokes_something_else
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'ENABLED\t%s\n' "$sweep" >"$case_dir/schedule"
printf '4\tActive\n' >"$case_dir/live"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says what the schedule invokes instead" said "invokes $sweep, not $alias_arn"

new_case smoke_sweep_version_failed
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'ENABLED\t%s\n' "$alias_arn" >"$case_dir/schedule"
printf '4\tFailed\n' >"$case_dir/live"
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "says the live version is Failed" said "whose state is Failed"

new_case smoke_sweep_dead_letters
outputs "${smoke_outputs[@]}" "${sweep_outputs[@]}"
printf 'ENABLED\t%s\n' "$alias_arn" >"$case_dir/schedule"
printf '4\tActive\n' >"$case_dir/live"
echo 2 >"$case_dir/queue/octo-responder-dev-sweep-dlq"
run smoke-test.sh
check "exits 0 (the sweep's dead letters may predate the deploy)" test "$rc" -eq 0
check "reports them" said "the sweep's dead-letter queue holds 2 invocation(s)"

new_case smoke_state_unreadable
run smoke-test.sh
check "exits non-zero" test "$rc" -ne 0
check "posts no webhook" test ! -e "$case_dir/curl-calls"
check "says the state's outputs cannot be read" said "cannot read the outputs of the dev state"

new_case smoke_from_the_environment
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
