# Alarms on what needs a person: a message in the dead-letter queue and a queue that is not
# draining here; a failing function in modules/function (each function's Errors alarm, which for
# sweep-interruptions is the failed-sweep alarm); the sweep's schedule failing to invoke it, and
# (optionally) a sweep finding a lost webhook. They all notify an optional email topic and/or an
# existing topic (local.alarm_actions). The alarms that roll a CodeDeploy deployment back (60-second
# Errors of each shifted function's live alias and new version, process-message's Failed records)
# are in codedeploy.tf and notify nobody.

resource "aws_sns_topic" "alarms" {
  count = var.alarm_email == null ? 0 : 1

  name              = "${local.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${local.name_prefix}-dlq-not-empty"
  alarm_description   = "Messages the responder gave up on are waiting in ${aws_sqs_queue.messages_dlq.name}: their interruptions need a person. Inspect, fix the cause, then `make redrive ENV=${var.environment}` or purge (README, Dead letters and redrive)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.messages_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  alarm_name          = "${local.name_prefix}-oldest-message-age"
  alarm_description   = "The oldest message in ${aws_sqs_queue.messages.name} is older than ${var.oldest_message_age_alarm_seconds} s: process-message is not keeping up or keeps failing, and deployments are waiting."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.messages.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_age_alarm_seconds
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ---- The sweep (schedule.tf) ------------------------------------------------------------------
# A failed sweep is sweep-interruptions' own Errors alarm (modules/function): Sum of Errors > 0 in
# 5 minutes, i.e. the first failed sweep at the default rate(5 minutes). Errors counts every
# failure, including those that write no SweepsFailed metric (start-up, configuration, timeout),
# so there is no second alarm on SweepsFailed that would page twice for one failure.

resource "aws_cloudwatch_metric_alarm" "sweep_dlq_not_empty" {
  count = local.sweep_count

  alarm_name          = "${local.name_prefix}-sweep-dlq-not-empty"
  alarm_description   = "EventBridge Scheduler could not invoke sweep-interruptions after its retries (throttled, alias or permission missing): sweeps are not running. The dead-letter events in ${aws_sqs_queue.sweep_dlq[0].name} say why; purge the queue once fixed."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.sweep_dlq[0].name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "sweep_enqueued" {
  count = var.sweep_enabled && var.alarm_on_swept_interruptions ? 1 : 0

  alarm_name          = "${local.name_prefix}-sweep-enqueued"
  alarm_description   = "sweep-interruptions queued pending interruptions whose webhook never reached the responder (in a dry run: would have queued): a webhook was lost (API throttling, an outage, a subscription delivery failure). The sweep made up for it; its log group names each one (outcome \"enqueued\" or \"would_enqueue\"). Turn this alarm off with alarm_on_swept_interruptions = false."
  namespace           = "OctoResponder"
  metric_name         = "Enqueued"
  dimensions          = { Environment = var.environment }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
