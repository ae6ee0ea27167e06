#!/usr/bin/env bash
# Usage: smoke-test.sh ENV   (make smoke ENV=<env>)
#
# After a deploy, proves the whole path answers without touching Octopus state:
#   1. the dead-letter queue's count to begin with: older dead letters are reported (the
#      dlq-not-empty alarm needs a person), not fatal;
#   2. a webhook without the header is refused (401), and so is one presenting the token of
#      another rule (type=Result&action=Abort's): a header value authorizes its own rule only;
#   3. a manual-intervention webhook (type=Result&action=Proceed) presenting that rule's token,
#      about a server task that cannot exist (SMOKE_SERVER_TASK, default ServerTasks-999999999, in
#      SMOKE_SPACE_ID, default Spaces-1), is queued (202); its event id, Events-smoke-<time>-<n>,
#      is the smoke test's correlation id (the message's EventId attribute and Payload.Event.Id);
#   4. process-message takes it off the work queue: it finds no pending interruption regarding
#      that task and answers nothing (a failure would leave the message in flight, then redrive
#      it towards the DLQ);
#   5. no dead letter carries the smoke test's event id: when the DLQ holds anything, its
#      messages are received (at most SMOKE_DLQ_PEEK_ROUNDS x 10, each hidden for
#      SMOKE_DLQ_PEEK_SECONDS, default 30, which adds one to its receive count and nothing else:
#      the DLQ has no redrive policy) and looked at: the smoke test's own fails it, older ones are
#      reported. When they cannot all be looked at, a DLQ that grew during the test fails it;
#   6. when the environment has the sweep (sweep_enabled): its EventBridge Scheduler schedule is
#      ENABLED and invokes sweep-interruptions' live alias, and that alias resolves to a published
#      version that is not Failed; messages in the sweep's dead-letter queue (invocations
#      Scheduler could not deliver) are reported, not fatal. The sweep is not invoked: a sweep
#      would queue real interruptions, and the schedule runs it anyway.
# A Result rule on purpose: for a Retry rule process-message counts the deployment's guided
# failures, finds 0 for a task that does not exist, and hands the message back.
#
# A rule's token is the HMAC-SHA256 of its canonical query under the environment's webhook secret,
# in lower-case hex, computed here with openssl (README, accept-message); the secret itself is
# never sent (accept-message refuses it unless allow_shared_webhook_secret is on), printed, or
# put in a file.
#
# The URL, header name, queues and sweep come from the environment's Terraform outputs, or from
# WEBHOOK_URL, WEBHOOK_HEADER_NAME, QUEUE_URL and DLQ_URL when all are set (step 6 then needs
# SWEEP_SCHEDULE_GROUP, SWEEP_SCHEDULE_NAME and SWEEP_ALIAS_ARN, and SWEEP_DLQ_URL for the report,
# and is skipped without them). The webhook secret is read from its SSM SecureString (output
# webhook_token_parameter, or WEBHOOK_TOKEN_PARAMETER) with aws ssm get-parameter
# --with-decryption, unless WEBHOOK_HEADER_VALUE holds it. SMOKE_TIMEOUT_SECONDS (default 240)
# bounds step 4. Needs curl, openssl, jq, the AWS CLI and credentials (ssm:GetParameter and
# kms:Decrypt for the secret; sqs:ReceiveMessage on the DLQ, and kms:Decrypt, only when it holds
# messages).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
space=${SMOKE_SPACE_ID:-Spaces-1}
task=${SMOKE_SERVER_TASK:-ServerTasks-999999999}
timeout=${SMOKE_TIMEOUT_SECONDS:-240}
[[ $space =~ ^Spaces-[0-9]+$ ]] || die "SMOKE_SPACE_ID must look like Spaces-1 (got '$space')"
[[ $task =~ ^ServerTasks-[0-9]+$ ]] || die "SMOKE_SERVER_TASK must look like ServerTasks-999999999 (got '$task')"
[[ $timeout =~ ^[0-9]+$ ]] || die "SMOKE_TIMEOUT_SECONDS must be a whole number"
command -v openssl >/dev/null || die "needs openssl (to compute the rule's webhook token)"
# The rule the smoke webhook is for, and another one, as canonical queries (type, action; a
# Retry rule would add maximumretry and then): what each rule's token is computed over.
rule='type=Result&action=Proceed'
other_rule='type=Result&action=Abort'

peek_seconds=${SMOKE_DLQ_PEEK_SECONDS:-30}
peek_rounds=${SMOKE_DLQ_PEEK_ROUNDS:-10}
[[ $peek_seconds =~ ^[0-9]+$ && $peek_rounds =~ ^[0-9]+$ && $peek_rounds -gt 0 ]] ||
  die "SMOKE_DLQ_PEEK_SECONDS and SMOKE_DLQ_PEEK_ROUNDS must be whole numbers (the rounds more than 0)"
command -v jq >/dev/null || die "needs jq"

sweep_group=${SWEEP_SCHEDULE_GROUP:-} sweep_schedule=${SWEEP_SCHEDULE_NAME:-}
sweep_alias=${SWEEP_ALIAS_ARN:-} sweep_dlq=${SWEEP_DLQ_URL:-}
token_parameter=${WEBHOOK_TOKEN_PARAMETER:-}
from_state=false
if [[ -z ${WEBHOOK_URL:-} || -z ${WEBHOOK_HEADER_NAME:-} || -z ${QUEUE_URL:-} || -z ${DLQ_URL:-} ]]; then
  use_env "$env"
  from_state=true
  # One read, where an absent output is null (the sweep's, with sweep_enabled = false), never
  # one that could not be read. Sensitive outputs are left out.
  outputs=$(tf_outputs) || die "cannot read the outputs of the $env state"
  sweep_group=$(output_string "$outputs" sweep_schedule_group_name)
  sweep_schedule=$(output_string "$outputs" sweep_schedule_name)
  sweep_alias=$(output_string "$outputs" sweep_interruptions_alias_arn)
  sweep_dlq=$(output_string "$outputs" sweep_dlq_url)
  WEBHOOK_URL=$(output_string "$outputs" webhook_url)
  WEBHOOK_HEADER_NAME=$(output_string "$outputs" webhook_header_name)
  QUEUE_URL=$(output_string "$outputs" queue_url)
  DLQ_URL=$(output_string "$outputs" dlq_url)
  token_parameter=${token_parameter:-$(output_string "$outputs" webhook_token_parameter)}
  [[ -n $WEBHOOK_URL && -n $WEBHOOK_HEADER_NAME && -n $QUEUE_URL && -n $DLQ_URL ]] ||
    die "the $env state has no webhook_url, webhook_header_name, queue_url or dlq_url output: deploy first"
fi

# The environment's webhook secret, held in this shell only.
if [[ -n ${WEBHOOK_HEADER_VALUE:-} ]]; then
  webhook_secret=$WEBHOOK_HEADER_VALUE
else
  [[ -n $token_parameter ]] ||
    die "no webhook secret: the $env state has no webhook_token_parameter output (set WEBHOOK_TOKEN_PARAMETER or WEBHOOK_HEADER_VALUE)"
  webhook_secret=$(aws ssm get-parameter --name "$token_parameter" --with-decryption \
    --query Parameter.Value --output text) || die "cannot read the webhook secret from the SSM parameter $token_parameter"
  [[ -n $webhook_secret && $webhook_secret != None ]] || die "the SSM parameter $token_parameter holds no webhook secret"
  echo "smoke: webhook secret read from the SSM parameter $token_parameter"
fi
unset WEBHOOK_HEADER_VALUE

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# rule_token QUERY: the header value that authorizes the rule whose canonical query is QUERY,
# i.e. printf '%s' QUERY | openssl dgst -sha256 -hmac SECRET, as accept-message computes it.
# openssl takes the HMAC key only as an argument, so the secret is on its command line for the
# moment it runs (visible to this machine's other users, not sent anywhere or logged).
rule_token() {
  local token
  token=$(printf '%s' "$1" | openssl dgst -sha256 -hmac "$webhook_secret" | awk '{ print $NF }') || return 1
  [[ $token =~ ^[0-9a-f]{64}$ ]] || return 1
  printf '%s\n' "$token"
}
# The tokens go to curl in files, never on a command line.
token=$(rule_token "$rule") || die "cannot compute the token of $rule with openssl"
other_token=$(rule_token "$other_rule") || die "cannot compute the token of $other_rule with openssl"
(umask 077 && printf '%s: %s\n' "$WEBHOOK_HEADER_NAME" "$token" >"$work/header")
(umask 077 && printf '%s: %s\n' "$WEBHOOK_HEADER_NAME" "$other_token" >"$work/other-header")
unset token other_token webhook_secret

# queue_count URL ATTRIBUTE...: the sum of the queue's approximate message counts.
queue_count() {
  local url=$1 sum=0 n
  shift
  for n in $(aws sqs get-queue-attributes --queue-url "$url" --attribute-names "$@" \
    --query 'Attributes.*' --output text); do
    sum=$((sum + n))
  done
  echo "$sum"
}

# post [HEADER_FILE]: POSTs the test event to the rule's URL; prints the HTTP status, leaves the
# body in $work/body.
post() {
  local auth=()
  [[ -z $1 ]] || auth=(-H "@$1")
  curl --silent --show-error --max-time 30 --output "$work/body" --write-out '%{http_code}' \
    -X POST -H 'Content-Type: application/json' "${auth[@]}" --data-binary "@$work/payload" \
    "$WEBHOOK_URL?$rule"
}

dlq_before=$(queue_count "$DLQ_URL" ApproximateNumberOfMessages)
if ((dlq_before > 0)); then
  echo "smoke: warning: the dead-letter queue already holds $dlq_before message(s) from before this test (alarm dlq-not-empty: README, Dead letters and redrive); reported, not failed: only a dead letter of this test's own event fails it"
fi

event_id="Events-smoke-$(date -u +%Y%m%d%H%M%S)-$RANDOM"
printf '{"Timestamp":"%s","EventType":"SubscriptionPayload","Payload":{"ServerUri":"https://smoke-test.invalid","Event":{"Id":"%s","Category":"ManualInterventionInterruptionRaised","SpaceId":"%s","RelatedDocumentIds":["%s"],"Occurred":"%s","Message":"octo-responder smoke test: a server task that does not exist, nothing to answer"}}}' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$event_id" "$space" "$task" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/payload"

status=$(post "")
[[ $status == 401 ]] || die "a webhook without the header answered $status, expected 401: $(head -c 300 "$work/body")"
echo "smoke: unauthenticated webhook refused (401)"

status=$(post "$work/other-header")
[[ $status == 401 ]] ||
  die "a webhook to $rule presenting the token of $other_rule answered $status, expected 401: $(head -c 300 "$work/body")"
echo "smoke: webhook presenting another rule's token refused (401)"

status=$(post "$work/header")
[[ $status == 202 ]] ||
  die "the webhook presenting the token of $rule answered $status, expected 202 (is the secret in ${token_parameter:-WEBHOOK_HEADER_VALUE} the one accept-message reads? After a rotation, warm instances keep the old one): $(head -c 300 "$work/body")"
echo "smoke: $event_id about $task in $space, with the token of $rule, queued (202 $(head -c 200 "$work/body"))"

# The approximate counts lag a little: wait a moment, then for two zero readings in a row.
deadline=$((SECONDS + timeout))
sleep 10
zeros=0
while ((zeros < 2)); do
  left=$(queue_count "$QUEUE_URL" ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible)
  if ((left == 0)); then zeros=$((zeros + 1)); else zeros=0; fi
  if ((zeros < 2)); then
    ((SECONDS < deadline)) ||
      die "the work queue still holds $left message(s) after ${timeout} s: process-message did not take $event_id (see its log group)"
    sleep 10
  fi
done
echo "smoke: process-message took it off the work queue"

# peek_dlq: receives what the DLQ shows, up to peek_rounds x 10 messages, each hidden for
# peek_seconds (a FIFO queue hides the rest of a message's group meanwhile), into
# $work/dead-letters.json, one array without repeats. Fails when SQS refuses.
peek_dlq() {
  local round page
  echo '[]' >"$work/dead-letters.json"
  for ((round = 0; round < peek_rounds; round++)); do
    page=$(aws sqs receive-message --queue-url "$DLQ_URL" --max-number-of-messages 10 \
      --visibility-timeout "$peek_seconds" --wait-time-seconds 0 --attribute-names ApproximateReceiveCount \
      --message-attribute-names EventId --output json) || return 1
    [[ -n $page ]] || break # the CLI prints nothing when there is no message
    printf '%s' "$page" >"$work/page.json"
    jq -e '(.Messages // []) | length > 0' "$work/page.json" >/dev/null || break
    jq -s '.[0] + (.[1].Messages // []) | unique_by(.MessageId)' "$work/dead-letters.json" "$work/page.json" >"$work/next.json" || return 1
    mv "$work/next.json" "$work/dead-letters.json"
  done
}

dlq_after=$(queue_count "$DLQ_URL" ApproximateNumberOfMessages)
if ((dlq_after == 0)); then
  echo "smoke: dead-letter queue empty"
elif peek_dlq; then
  seen=$(jq length "$work/dead-letters.json")
  # The smoke test's dead letter carries its event id as the EventId attribute and in the body
  # (the Octopus event, Payload.Event.Id).
  own=$(jq --arg id "$event_id" '[.[] | select((.MessageAttributes.EventId.StringValue // "") == $id
    or ((.Body | fromjson? | .Payload.Event.Id?) // "") == $id)] | length' "$work/dead-letters.json")
  ((own == 0)) ||
    die "the dead-letter queue holds this test's own event $event_id: process-message failed it (its log group says why)"
  if ((seen >= dlq_after)); then
    echo "smoke: warning: the dead-letter queue holds $dlq_after older message(s), none of them this test's $event_id; reported, not failed (README, Dead letters and redrive)"
  elif ((dlq_after > dlq_before)); then
    die "the dead-letter queue grew from $dlq_before to $dlq_after message(s) during the test and only $seen could be looked at: $event_id may be among the others"
  else
    echo "smoke: warning: the dead-letter queue holds $dlq_after message(s), as before the test; $seen looked at, none of them this test's $event_id; reported, not failed"
  fi
elif ((dlq_after > dlq_before)); then
  die "the dead-letter queue grew from $dlq_before to $dlq_after message(s) during the test and cannot be read (sqs:ReceiveMessage, kms:Decrypt): $event_id may be among them"
else
  echo "smoke: warning: the dead-letter queue holds $dlq_after message(s), as before the test, and cannot be read (sqs:ReceiveMessage, kms:Decrypt) to look for $event_id; reported, not failed"
fi

# The sweep: read-only checks of what runs it, never an invocation.
if [[ -z $sweep_schedule ]]; then
  if [[ $from_state == true ]]; then
    echo "smoke: $env has no sweep (sweep_enabled = false)"
  else
    echo "smoke: sweep not checked (set SWEEP_SCHEDULE_GROUP, SWEEP_SCHEDULE_NAME and SWEEP_ALIAS_ARN to check it)"
  fi
else
  [[ -n $sweep_group && -n $sweep_alias ]] ||
    die "the sweep's schedule $sweep_schedule is known but not its group or the live alias it must invoke"
  schedule=$(aws scheduler get-schedule --group-name "$sweep_group" --name "$sweep_schedule" \
    --query '[State, Target.Arn]' --output text) || die "cannot read the sweep's schedule $sweep_group/$sweep_schedule"
  read -r schedule_state schedule_target <<<"$schedule"
  [[ $schedule_state == ENABLED ]] || die "the sweep's schedule $sweep_group/$sweep_schedule is $schedule_state: no sweep runs"
  [[ $schedule_target == "$sweep_alias" ]] ||
    die "the sweep's schedule $sweep_group/$sweep_schedule invokes $schedule_target, not $sweep_alias"
  live=$(aws lambda get-function-configuration --function-name "$sweep_alias" \
    --query '[Version, State]' --output text) || die "cannot read $sweep_alias"
  read -r live_version live_state <<<"$live"
  [[ $live_version =~ ^[0-9]+$ ]] || die "$sweep_alias points at '$live_version', not a published version"
  [[ $live_state != Failed ]] || die "$sweep_alias is on version $live_version, whose state is Failed: the sweep cannot start"
  echo "smoke: the sweep's schedule $sweep_group/$sweep_schedule is enabled and invokes live (version $live_version, $live_state)"
  if [[ -n $sweep_dlq ]]; then
    sweep_dlq_count=$(queue_count "$sweep_dlq" ApproximateNumberOfMessages)
    if ((sweep_dlq_count > 0)); then
      echo "smoke: warning: the sweep's dead-letter queue holds $sweep_dlq_count invocation(s) Scheduler could not deliver (alarm sweep-dlq-not-empty); reported, not failed: they may predate this deploy"
    fi
  fi
fi
echo "smoke: $env passed"
