# The sweep's trigger: an EventBridge Scheduler schedule (var.sweep_schedule_expression, every 5
# minutes by default) that invokes sweep-interruptions' `live` alias, in its own schedule group so
# that the scheduler's role trusts this group's schedules only. Scheduler invokes Lambda
# asynchronously: its retry policy and dead-letter queue cover failing to hand the event to Lambda
# (throttled, the alias gone, the role refused); a sweep that runs and fails is the function's
# Errors alarm (modules/function), and is not retried (event invoke config below): the next sweep
# does the same work. Nothing here exists without var.sweep_enabled.

locals {
  # A sweep that has not started within this long is pointless: the next one is due.
  sweep_event_max_age_seconds = 300

  # Scheduler's dead-letter events are diagnostics (which invocation failed and why), not work:
  # a few days to look at them.
  sweep_dlq_message_retention_seconds = 345600
}

resource "aws_scheduler_schedule_group" "sweep" {
  count = local.sweep_count

  name = local.name_prefix
}

resource "aws_scheduler_schedule" "sweep" {
  # checkov:skip=CKV_AWS_297:The schedule's only payload is the constant input "{}", nothing secret; a customer managed key would add key policy grants for Scheduler and the deploy role to protect nothing.
  count = local.sweep_count

  name                         = local.sweep_interruptions_name
  group_name                   = aws_scheduler_schedule_group.sweep[0].name
  description                  = "octo-responder: runs sweep-interruptions, which queues pending interruptions whose webhook was lost"
  schedule_expression          = var.sweep_schedule_expression
  schedule_expression_timezone = "UTC"
  state                        = "ENABLED"

  # On the dot: a sweep is cheap, and a window would only delay the interruptions it finds.
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = module.sweep_interruptions[0].alias.arn
    role_arn = aws_iam_role.scheduler[0].arn
    input    = jsonencode({})

    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = local.sweep_event_max_age_seconds
    }

    dead_letter_config {
      arn = aws_sqs_queue.sweep_dlq[0].arn
    }
  }

  # The first invocation needs the role's permissions in place.
  depends_on = [aws_iam_role_policy.scheduler]
}

# Where Scheduler puts an invocation it could not deliver after its retries. Scheduler takes
# standard queues only (no FIFO). It sends with the schedule's execution role (below), so the
# queue needs no queue policy.
resource "aws_sqs_queue" "sweep_dlq" {
  count = local.sweep_count

  name                              = "${local.name_prefix}-sweep-dlq"
  fifo_queue                        = false
  message_retention_seconds         = local.sweep_dlq_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
}

# Lambda's own handling of the asynchronous event: no retry of a failed sweep (the next scheduled
# one redoes it), and an event not started within the max age is dropped rather than run late.
resource "aws_lambda_function_event_invoke_config" "sweep" {
  count = local.sweep_count

  function_name                = module.sweep_interruptions[0].function.function_name
  qualifier                    = module.sweep_interruptions[0].alias.name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = local.sweep_event_max_age_seconds
}

# ---- The schedule's execution role: invoke the live alias, dead-letter to its queue --------------

data "aws_iam_policy_document" "scheduler_assume_role" {
  count = local.sweep_count

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    # Only Scheduler acting for this account's schedules in this deployment's group
    # (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule-group/${local.name_prefix}"]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count = local.sweep_count

  name                 = "${local.name_prefix}-sweep-scheduler"
  description          = "EventBridge Scheduler: invokes sweep-interruptions' live alias, dead-letters to ${local.name_prefix}-sweep-dlq"
  assume_role_policy   = data.aws_iam_policy_document.scheduler_assume_role[0].json
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "scheduler" {
  count = local.sweep_count

  statement {
    sid       = "InvokeSweepLiveAlias"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.sweep_interruptions[0].alias.arn]
  }

  statement {
    sid       = "SendToSweepDeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.sweep_dlq[0].arn]
  }

  statement {
    sid       = "EncryptForSweepDeadLetterQueue"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sqs:arn"
      values   = [aws_sqs_queue.sweep_dlq[0].arn]
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  count = local.sweep_count

  name   = "sweep-scheduler"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler[0].json
}
