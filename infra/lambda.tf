# The functions, each one call of modules/function (the function from cargo-lambda's zip, published
# behind a `live` alias, its log group, role and Errors alarm), and what triggers them: the SQS
# event source mapping that feeds process-message's alias here, the API route in api_gateway.tf,
# the EventBridge Scheduler schedule that runs sweep-interruptions' alias in schedule.tf.
# What each role may do is in iam.tf; moved.tf maps the addresses these had before the module.

module "accept_message" {
  source = "./modules/function"

  shared                   = local.function_shared
  name                     = "accept-message"
  description              = "octo-responder: authenticates Octopus webhooks and queues them"
  role_description         = "accept-message: sends to the work queue, reads the webhook token"
  alias_description        = "The version API Gateway invokes"
  errors_alarm_description = "accept-message failed invocations (start-up or configuration, e.g. the webhook token parameter unreadable); webhooks are being lost."
  zip                      = local.accept_message_zip
  zip_variable             = "accept_message_zip"
  timeout_seconds          = var.accept_message_timeout_seconds
  reserved_concurrency     = var.accept_message_reserved_concurrency
  policy_statements        = local.accept_message_statements
  live_version             = local.kept_live_version.accept_message

  environment_variables = {
    QUEUE_URL                   = aws_sqs_queue.messages.url
    WEBHOOK_HEADER_NAME         = var.webhook_header_name
    WEBHOOK_TOKEN_PARAMETER     = aws_ssm_parameter.webhook_token.name
    ALLOW_SHARED_WEBHOOK_SECRET = tostring(var.allow_shared_webhook_secret)
  }
}

module "process_message" {
  source = "./modules/function"

  shared                   = local.function_shared
  name                     = "process-message"
  description              = "octo-responder: answers Octopus guided failures and manual interventions from the queue"
  role_description         = "process-message: consumes the work queue, reads the Octopus API key${local.needs_a_person_role_note}"
  alias_description        = "The version the SQS event source mapping invokes"
  errors_alarm_description = "process-message failed whole invocations (start-up, configuration or a doomed batch); see its log group."
  zip                      = local.process_message_zip
  zip_variable             = "process_message_zip"
  timeout_seconds          = var.process_message_timeout_seconds
  reserved_concurrency     = var.process_message_reserved_concurrency
  policy_statements        = local.process_message_statements
  live_version             = local.kept_live_version.process_message

  # NEEDS_A_PERSON_TOPIC_ARN and NOTICES_TABLE (needs_a_person.tf) only with
  # var.needs_a_person_enabled.
  environment_variables = merge(
    {
      OCTOPUS_SERVER_URL         = var.octopus_server_url
      OCTOPUS_API_KEY_PARAMETER  = aws_ssm_parameter.octopus_api_key.name
      OCTOPUS_REQUEST_TIMEOUT_MS = tostring(var.octopus_request_timeout_ms)
      MAX_CONCURRENCY            = tostring(var.max_concurrency)
      DRY_RUN                    = tostring(var.dry_run)
    },
    local.needs_a_person_environment,
  )
}

# Finds the pending interruptions whose webhook never arrived and queues them for process-message,
# on a schedule (schedule.tf). Only with var.sweep_enabled.
module "sweep_interruptions" {
  source = "./modules/function"
  count  = local.sweep_count

  shared                   = local.function_shared
  name                     = "sweep-interruptions"
  description              = "octo-responder: queues pending Octopus interruptions whose webhook was lost"
  role_description         = "sweep-interruptions: sends to the work queue, reads the Octopus API key${local.needs_a_person_role_note}"
  alias_description        = "The version the EventBridge Scheduler schedule invokes"
  errors_alarm_description = "sweep-interruptions failed (start-up, configuration, Octopus or the queue unreachable, or a timeout): interruptions whose webhook was lost are not being found. The sweep runs again on its schedule; see its log group (\"sweep failed\" lines) and the SweepsFailed metric."
  zip                      = local.sweep_interruptions_zip
  zip_variable             = "sweep_interruptions_zip"
  timeout_seconds          = var.sweep_timeout_seconds
  policy_statements        = local.sweep_interruptions_statements
  live_version             = local.kept_live_version.sweep_interruptions

  # SWEEP_SPACES is left out when var.sweep_spaces is empty: unset means every space;
  # NEEDS_A_PERSON_TOPIC_ARN and NOTICES_TABLE (needs_a_person.tf) only with
  # var.needs_a_person_enabled.
  environment_variables = merge(
    {
      OCTOPUS_SERVER_URL         = var.octopus_server_url
      OCTOPUS_API_KEY_PARAMETER  = aws_ssm_parameter.octopus_api_key.name
      OCTOPUS_REQUEST_TIMEOUT_MS = tostring(var.octopus_request_timeout_ms)
      QUEUE_URL                  = aws_sqs_queue.messages.url
      WEBHOOK_URLS               = join(",", local.webhook_urls)
      SWEEP_GRACE_SECONDS        = tostring(var.sweep_grace_seconds)
      SWEEP_MAX_AGE_SECONDS      = tostring(var.sweep_max_age_seconds)
      DRY_RUN                    = tostring(var.dry_run)
    },
    length(var.sweep_spaces) == 0 ? {} : { SWEEP_SPACES = join(",", var.sweep_spaces) },
    local.needs_a_person_environment,
  )
}

# Every function, by key (CodeDeploy gives each a deployment group); the sweep only when enabled.
locals {
  functions = merge(
    {
      accept_message  = module.accept_message
      process_message = module.process_message
    },
    [for fn in module.sweep_interruptions : { sweep_interruptions = fn }]...
  )
}

resource "aws_lambda_event_source_mapping" "messages" {
  event_source_arn = aws_sqs_queue.messages.arn
  function_name    = module.process_message.alias.arn
  batch_size       = var.batch_size
  # FIFO event sources take no batching window (the variable's validation keeps it 0 there).
  maximum_batching_window_in_seconds = var.fifo_queue ? null : var.maximum_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.event_source_maximum_concurrency
  }
}
