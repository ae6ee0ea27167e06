#!/usr/bin/env bash
# Tests scripts/redrive.sh (make script-test) without AWS: moto has no message move tasks, so a
# stub `aws` on PATH records its arguments and answers from a script of replies, and a stub
# terraform (TF) answers `output -raw`. Nothing leaves the machine; nothing is written outside a
# temporary directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
redrive=$(cd "$here/.." && pwd)/redrive.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/octo-responder-redrive-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

queue=arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-messages.fifo
dlq=arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-messages-dlq.fifo

mkdir "$work/bin"
# aws: appends its arguments, one per line between [ ], then a blank line, to $STUB/calls; answers
# list-message-move-tasks with the next line of $STUB/list (the last one again when they run
# out) and start-message-move-task with $STUB/start (failing when that file is missing).
cat >"$work/bin/aws" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; echo; } >>"$STUB/calls"
case "$1 $2" in
  "sqs list-message-move-tasks")
    n=$(($(cat "$STUB/list.n" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$STUB/list.n"
    total=$(wc -l <"$STUB/list")
    sed -n "$((n < total ? n : total))p" "$STUB/list"
    ;;
  "sqs start-message-move-task")
    [[ -f $STUB/start ]] || { echo "An error occurred (InvalidParameterValue) when calling the StartMessageMoveTask operation" >&2; exit 254; }
    cat "$STUB/start"
    ;;
  *) echo "stub aws: unexpected call: $*" >&2; exit 2 ;;
esac
SH
# terraform: init succeeds; output -raw NAME prints $STUB/outputs/NAME (fails when missing).
cat >"$work/bin/terraform" <<'SH'
#!/usr/bin/env bash
{ printf '[%s]\n' "$@"; echo; } >>"$STUB/tf-calls"
case " $* " in
  *" init "*) exit 0 ;;
  *" output "*) cat "$STUB/outputs/${*: -1}" 2>/dev/null || exit 1 ;;
  *) echo "stub terraform: unexpected call: $*" >&2; exit 2 ;;
esac
SH
chmod +x "$work/bin/aws" "$work/bin/terraform"

failures=0
case_dir=
# new_case NAME: a fresh stub directory for one case.
new_case() {
  case_name=$1
  case_dir=$work/cases/$1
  mkdir -p "$case_dir/outputs"
  : >"$case_dir/calls"
  : >"$case_dir/list"
}
# run_redrive ARGS...: runs the script with the stubs; sets rc and leaves its output in $case_dir/out.
run_redrive() {
  rc=0
  env PATH="$work/bin:$PATH" STUB="$case_dir" TF="$work/bin/terraform" DEPLOY_DATA_ROOT="$case_dir/tf-data" \
    REDRIVE_POLL_SECONDS=1 "$@" bash "$redrive" "${redrive_env:-dev}" >"$case_dir/out" 2>&1 || rc=$?
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
# called_times N ARG...: the stub aws was called N times with exactly these arguments (in this
# order); called ARG...: once.
called_times() {
  local times=$1 expected
  shift
  expected=$(printf '[%s]\n' "$@")
  awk -v RS= -v want="$expected" -v times="$times" '$0 == want { n++ } END { exit n == times ? 0 : 1 }' "$case_dir/calls"
}
called() { called_times 1 "$@"; }
calls_of() { grep -c "^\[$1\]\$" "$case_dir/calls" || true; }
said() { grep -q -- "$1" "$case_dir/out"; }
no_aws_call() { [[ ! -s $case_dir/calls ]]; }
failed_before_aws() { [[ $rc -ne 0 ]] && no_aws_call; }
tf_read() { grep -qx "\[-raw\]" "$case_dir/tf-calls" && grep -qx "\[$1\]" "$case_dir/tf-calls"; }

echo "redrive.sh against a stub aws:"

new_case outputs_resolve_the_arns
echo "$queue" >"$case_dir/outputs/queue_arn"
echo "$dlq" >"$case_dir/outputs/dead_letter_queue_arn"
printf '%s\n' "COMPLETED	3	3	None	None" "RUNNING	0	3	task-1	None" "RUNNING	2	3	task-1	None" "COMPLETED	3	3	None	None" >"$case_dir/list"
echo task-1 >"$case_dir/start"
run_redrive
check "exits 0 when the task completes" test "$rc" -eq 0
check "starts one move task from the DLQ's ARN to the work queue's ARN" \
  called sqs start-message-move-task --source-arn "$dlq" --destination-arn "$queue" --query TaskHandle --output text
check "lists the DLQ's move tasks before starting and until the task completes (4 times)" \
  called_times 4 sqs list-message-move-tasks --source-arn "$dlq" --max-results 1 \
  --query 'Results[0].[Status, ApproximateNumberOfMessagesMoved, ApproximateNumberOfMessagesToMove, TaskHandle, FailureReason]' --output text
check "makes no other call" test "$(grep -c '^$' "$case_dir/calls")" -eq 5
check "shows the progress" said "RUNNING: 2 of 3 moved"
check "shows the end" said "COMPLETED: 3 of 3 moved"
check "reads queue_arn from the state's outputs" tf_read queue_arn
check "reads dead_letter_queue_arn from the state's outputs" tf_read dead_letter_queue_arn
check "uses the dev data directory (under DEPLOY_DATA_ROOT)" test -d "$case_dir/tf-data/deploy-dev"

new_case arns_from_the_environment_and_a_rate
printf '%s\n' "None	None	None	None	None" "COMPLETED	1	1	None	None" >"$case_dir/list"
echo task-2 >"$case_dir/start"
run_redrive QUEUE_ARN="$queue" DLQ_ARN="$dlq" REDRIVE_MAX_PER_SECOND=50
check "exits 0" test "$rc" -eq 0
check "passes REDRIVE_MAX_PER_SECOND as --max-number-of-messages-per-second" \
  called sqs start-message-move-task --source-arn "$dlq" --destination-arn "$queue" --max-number-of-messages-per-second 50 --query TaskHandle --output text
check "does not run terraform when QUEUE_ARN and DLQ_ARN are given" test ! -e "$case_dir/tf-calls"

new_case refuses_a_second_task
printf '%s\n' "RUNNING	5	9	task-0	None" >"$case_dir/list"
echo task-3 >"$case_dir/start"
run_redrive QUEUE_ARN="$queue" DLQ_ARN="$dlq"
check "exits non-zero" test "$rc" -ne 0
check "starts nothing while a move task is running on the DLQ" test "$(calls_of start-message-move-task)" -eq 0
check "says how to cancel the running task" said "cancel-message-move-task --task-handle task-0"

new_case reports_a_failed_task
printf '%s\n' "COMPLETED	1	1	None	None" "FAILED	1	4	None	AccessDenied on kms:GenerateDataKey" >"$case_dir/list"
echo task-4 >"$case_dir/start"
run_redrive QUEUE_ARN="$queue" DLQ_ARN="$dlq"
check "exits non-zero" test "$rc" -ne 0
check "gives SQS's failure reason" said "failed after 1 of 4: AccessDenied on kms:GenerateDataKey"

new_case refused_by_sqs
printf '%s\n' "None	None	None	None	None" >"$case_dir/list"
run_redrive QUEUE_ARN="$queue" DLQ_ARN="$dlq"
check "exits non-zero" test "$rc" -ne 0
check "says SQS refused" said "SQS refused"

new_case stops_following_after_the_wait
printf '%s\n' "None	None	None	None	None" "RUNNING	1	500	task-5	None" >"$case_dir/list"
echo task-5 >"$case_dir/start"
run_redrive QUEUE_ARN="$queue" DLQ_ARN="$dlq" REDRIVE_WAIT_SECONDS=0
check "exits 0" test "$rc" -eq 0
check "leaves a long task running and says how to follow it" said "goes on by itself"

new_case refuses_bad_input
for bad in \
  "QUEUE_ARN=$queue DLQ_ARN=arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-messages-dlq" \
  "QUEUE_ARN=$queue DLQ_ARN=$queue" \
  "QUEUE_ARN=https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo DLQ_ARN=$dlq" \
  "QUEUE_ARN=$queue DLQ_ARN=$dlq REDRIVE_MAX_PER_SECOND=501" \
  "QUEUE_ARN=$queue DLQ_ARN=$dlq REDRIVE_POLL_SECONDS=0"; do
  # shellcheck disable=SC2086 # one word per assignment
  run_redrive $bad
  check "refuses $bad before calling AWS" failed_before_aws
done
redrive_env=qa run_redrive QUEUE_ARN="$queue" DLQ_ARN="$dlq"
check "refuses an unknown environment before calling AWS" failed_before_aws
check "says which environments there are" said "ENV must be dev, staging or prod"

new_case no_outputs_yet
run_redrive
check "exits non-zero before calling AWS" failed_before_aws
check "says to apply first when the state has no queue ARN outputs" said "no queue_arn or dead_letter_queue_arn output"

if ((failures > 0)); then
  echo "redrive.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "redrive.sh: all checks passed"
