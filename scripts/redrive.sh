#!/usr/bin/env bash
# Usage: redrive.sh ENV   (make redrive ENV=<env>)
#
# Moves every message in the environment's dead-letter queue back to its work queue with an SQS
# message move task (StartMessageMoveTask), then follows the task (ListMessageMoveTasks) until it
# completes. Run it once the cause is fixed (README, Dead letters and redrive): a poison record
# that still fails simply comes back after max_receive_count receives.
#
# What a move does (AWS documentation; FIFO queues are supported since November 2023, FIFO to
# FIFO only): messages are moved oldest first, each gets a new message id and enqueue time (the
# retention period starts again), and they join the work queue behind whatever it holds already,
# interleaved with new webhooks, so a redriven record of a deployment may come after a newer one.
# Their de-duplication id is the id SQS gave them in the DLQ, not the Octopus event id: a webhook
# re-sent for the same event is not de-duplicated against them. One move task per queue at a
# time; a task runs at most 36 hours.
#
# The ARNs come from the environment's Terraform outputs (queue_arn, dead_letter_queue_arn), or
# from QUEUE_ARN and DLQ_ARN when both are set. REDRIVE_MAX_PER_SECOND (1 to 500) caps the move
# rate (default: as fast as SQS goes); REDRIVE_WAIT_SECONDS (default 600) bounds how long the
# script follows the task, which goes on by itself after that; REDRIVE_POLL_SECONDS (default 10).
# Needs the AWS CLI and credentials allowed sqs:StartMessageMoveTask, sqs:ListMessageMoveTasks,
# sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the DLQ, sqs:SendMessage on
# the work queue, and kms:Decrypt and kms:GenerateDataKey on the responder's key.
# Exit status: 0 when the task completed (or is still running when the wait ends), 1 otherwise.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

env=${1:-}
check_env "$env"
rate=${REDRIVE_MAX_PER_SECOND:-}
wait_seconds=${REDRIVE_WAIT_SECONDS:-600}
poll=${REDRIVE_POLL_SECONDS:-10}
[[ -z $rate || ($rate =~ ^[0-9]+$ && $rate -ge 1 && $rate -le 500) ]] ||
  die "REDRIVE_MAX_PER_SECOND must be a whole number from 1 to 500 (got '$rate')"
[[ $wait_seconds =~ ^[0-9]+$ && $poll =~ ^[0-9]+$ && $poll -gt 0 ]] ||
  die "REDRIVE_WAIT_SECONDS and REDRIVE_POLL_SECONDS must be whole numbers (the poll more than 0)"

if [[ -z ${QUEUE_ARN:-} || -z ${DLQ_ARN:-} ]]; then
  use_env "$env"
  QUEUE_ARN=$(tf_output queue_arn)
  DLQ_ARN=$(tf_output dead_letter_queue_arn)
  [[ -n $QUEUE_ARN && -n $DLQ_ARN ]] ||
    die "the $env state has no queue_arn or dead_letter_queue_arn output: apply the current infra/ first (make plan ENV=$env, make deploy ENV=$env)"
fi

sqs_arn='^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?$'
[[ $QUEUE_ARN =~ $sqs_arn ]] || die "not an SQS queue ARN: '$QUEUE_ARN'"
[[ $DLQ_ARN =~ $sqs_arn ]] || die "not an SQS queue ARN: '$DLQ_ARN'"
[[ $QUEUE_ARN != "$DLQ_ARN" ]] || die "the work queue and the dead-letter queue are the same queue: $QUEUE_ARN"
# SQS moves FIFO to FIFO and standard to standard only.
if [[ $QUEUE_ARN == *.fifo && $DLQ_ARN != *.fifo ]] || [[ $QUEUE_ARN != *.fifo && $DLQ_ARN == *.fifo ]]; then
  die "the work queue and the dead-letter queue must both be FIFO or both standard: $DLQ_ARN -> $QUEUE_ARN"
fi

# latest_task: the DLQ's most recent move task as "STATUS MOVED TO_MOVE HANDLE REASON" (None
# for what SQS leaves out: the handle of a task that is no longer running, a missing reason).
latest_task() {
  aws sqs list-message-move-tasks --source-arn "$DLQ_ARN" --max-results 1 \
    --query 'Results[0].[Status, ApproximateNumberOfMessagesMoved, ApproximateNumberOfMessagesToMove, TaskHandle, FailureReason]' \
    --output text
}

task=$(latest_task) || die "cannot list the move tasks of $DLQ_ARN"
read -r status moved to_move handle _ <<<"$task"
if [[ $status == RUNNING ]]; then
  die "a move task is already running on $DLQ_ARN ($moved of $to_move moved): wait for it, or cancel it with aws sqs cancel-message-move-task --task-handle $handle"
fi

start=(--source-arn "$DLQ_ARN" --destination-arn "$QUEUE_ARN")
[[ -z $rate ]] || start+=(--max-number-of-messages-per-second "$rate")
handle=$(aws sqs start-message-move-task "${start[@]}" --query TaskHandle --output text) ||
  die "SQS refused to start moving $DLQ_ARN to $QUEUE_ARN"
echo "redrive: moving the messages of ${DLQ_ARN##*:} back to ${QUEUE_ARN##*:}${rate:+ at most $rate a second} (task $handle)"

deadline=$((SECONDS + wait_seconds))
last=
while :; do
  task=$(latest_task) || die "cannot list the move tasks of $DLQ_ARN"
  read -r status moved to_move _ reason <<<"$task"
  progress="$status: $moved of $to_move moved"
  if [[ $progress != "$last" ]]; then
    echo "redrive: $progress"
    last=$progress
  fi
  case $status in
    COMPLETED)
      echo "redrive: done; process-message takes the records from ${QUEUE_ARN##*:} again (watch its log group, and the DLQ for what fails again)"
      exit 0
      ;;
    FAILED) die "the move task failed after $moved of $to_move: $reason" ;;
    CANCELLING | CANCELLED) die "the move task was cancelled after $moved of $to_move (the moved messages stay in the work queue)" ;;
  esac
  if ((SECONDS >= deadline)); then
    echo "redrive: still $status after ${wait_seconds} s; the task goes on by itself. Follow it with:"
    echo "  aws sqs list-message-move-tasks --source-arn $DLQ_ARN"
    exit 0
  fi
  sleep "$poll"
done
