# Names, tags and the few values several files share.
locals {
  name_prefix = "${var.project_name}-${var.environment}"

  tags = merge(var.tags, {
    Project     = var.project_name
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  accept_message_name  = "${local.name_prefix}-accept-message"
  process_message_name = "${local.name_prefix}-process-message"

  accept_message_zip  = coalesce(var.accept_message_zip, "${path.module}/../target/lambda/accept-message/bootstrap.zip")
  process_message_zip = coalesce(var.process_message_zip, "${path.module}/../target/lambda/process-message/bootstrap.zip")

  # The only route the API serves, and the path the Octopus subscription posts to.
  webhook_path      = "/octopus/webhook"
  webhook_route_key = "POST ${local.webhook_path}"

  # A FIFO queue's name must end in .fifo, and so must its dead-letter queue's.
  queue_suffix = var.fifo_queue ? ".fifo" : ""

  # AWS: at least six times the function timeout, plus the batching window, so a message is not
  # handed to a second invocation while the first one may still be working on it.
  visibility_timeout_seconds = 6 * var.process_message_timeout_seconds + var.maximum_batching_window_seconds

  alarm_actions = compact([
    one(aws_sns_topic.alarms[*].arn),
    var.alarm_sns_topic_arn,
  ])
}
