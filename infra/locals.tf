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

  accept_message_name      = "${local.name_prefix}-accept-message"
  process_message_name     = "${local.name_prefix}-process-message"
  sweep_interruptions_name = "${local.name_prefix}-sweep-interruptions"
  canary_check_name        = "${local.name_prefix}-canary-check"

  # What every function shares (modules/function).
  function_shared = {
    name_prefix        = local.name_prefix
    environment        = var.environment
    architecture       = var.lambda_architecture
    memory_mb          = var.lambda_memory_mb
    log_level          = var.log_level
    log_retention_days = var.log_retention_days
    kms_key_arn        = aws_kms_key.this.arn
    alarm_actions      = local.alarm_actions
    # infra/bootstrap's boundary for this environment, on every role (null: none).
    permissions_boundary_arn = var.permissions_boundary_arn
  }

  accept_message_zip      = coalesce(var.accept_message_zip, "${path.module}/../target/lambda/accept-message/bootstrap.zip")
  process_message_zip     = coalesce(var.process_message_zip, "${path.module}/../target/lambda/process-message/bootstrap.zip")
  sweep_interruptions_zip = coalesce(var.sweep_interruptions_zip, "${path.module}/../target/lambda/sweep-interruptions/bootstrap.zip")
  canary_check_zip        = coalesce(var.canary_check_zip, "${path.module}/../target/lambda/canary-check/bootstrap.zip")

  # The only route the API serves, and the path the Octopus subscription posts to.
  webhook_path      = "/octopus/webhook"
  webhook_route_key = "POST ${local.webhook_path}"
  webhook_url       = "${aws_apigatewayv2_api.webhook.api_endpoint}${local.webhook_path}"

  # Every URL that reaches accept-message: the API's own, then any custom domain's. The sweep
  # follows only subscriptions that point at one of them (WEBHOOK_URLS).
  webhook_urls = concat([local.webhook_url], var.extra_webhook_urls)

  # sweep_enabled = false creates none of the sweep's resources (lambda.tf, schedule.tf, alarms.tf).
  sweep_count = var.sweep_enabled ? 1 : 0

  # A FIFO queue's name must end in .fifo, and so must its dead-letter queue's.
  queue_suffix = var.fifo_queue ? ".fifo" : ""

  # AWS: at least six times the function timeout, plus the batching window, so a message is not
  # handed to a second invocation while the first one may still be working on it.
  visibility_timeout_seconds = 6 * var.process_message_timeout_seconds + var.maximum_batching_window_seconds

  # The redrive budget (variables.tf, max_receive_count). A record that fails or is handed back
  # stays invisible for one visibility timeout, so an outage costs one receive per timeout; on top,
  # a record behind batch_size - 1 earlier records of its deployment is handed back once for each of
  # them failing once, and needs one receive of its own. Defaults: ceil(7200 / 360) + 10 = 30.
  redrive_outage_receives   = ceil(var.ride_out_outage_minutes * 60 / local.visibility_timeout_seconds)
  redrive_handback_receives = min(var.batch_size, 10)
  redrive_min_receive_count = local.redrive_outage_receives + local.redrive_handback_receives
  max_receive_count         = coalesce(var.max_receive_count, local.redrive_min_receive_count)

  alarm_actions = compact([
    one(aws_sns_topic.alarms[*].arn),
    var.alarm_sns_topic_arn,
  ])
}
