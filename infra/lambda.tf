# The functions, each one call of modules/function (the function from cargo-lambda's zip, published
# behind a `live` alias, its log group, role and Errors alarm), and what triggers them: the SQS
# event source mapping that feeds process-message's alias here, the API route in api_gateway.tf,
# the EventBridge Scheduler schedule that runs sweep-interruptions' alias in schedule.tf, and
# CodeDeploy's lifecycle hooks that run canary-check (codedeploy.tf).
# What each role may do is in iam.tf; moved.tf maps the addresses these had before the module.
#
# `live` has one mover. The three functions that serve traffic are shifted by CodeDeploy
# (shifted_by_codedeploy = true): Terraform creates their alias on the first published version and
# never moves it again; scripts/deploy.sh runs a CodeDeploy deployment per function after the
# apply. canary-check, the hook CodeDeploy runs during those deployments, is not shifted: each
# apply moves its alias to the version it publishes.

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
  shifted_by_codedeploy    = true

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
  shifted_by_codedeploy    = true

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
  shifted_by_codedeploy    = true

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

# CodeDeploy's lifecycle hook (BeforeAllowTraffic and AfterAllowTraffic in the AppSpec that
# scripts/shift-traffic.sh sends): reads which function and version the deployment is about,
# invokes that version directly with synthetic events that change nothing in Octopus, and reports
# Succeeded or Failed to CodeDeploy, which rolls the deployment back on Failed. CodeDeploy invokes
# it (codedeploy.tf), so it needs no trigger of its own here.
module "canary_check" {
  source = "./modules/function"

  shared                   = local.function_shared
  name                     = "canary-check"
  description              = "octo-responder: CodeDeploy lifecycle hook, checks a new version with synthetic events before and after traffic moves to it"
  role_description         = "canary-check: reports CodeDeploy hook results, invokes the shifted functions' versions, reads the webhook token"
  alias_description        = "The version Terraform published last (canary-check is not shifted by CodeDeploy)"
  errors_alarm_description = "canary-check failed (start-up, configuration or a timeout): the CodeDeploy deployment it was checking fails and rolls back; see its log group."
  zip                      = local.canary_check_zip
  zip_variable             = "canary_check_zip"
  timeout_seconds          = var.canary_check_timeout_seconds
  policy_statements        = local.canary_check_statements
  shifted_by_codedeploy    = false

  # SWEEP_INTERRUPTIONS_FUNCTION only with var.sweep_enabled (no sweep function to check otherwise).
  environment_variables = merge(
    {
      ACCEPT_MESSAGE_FUNCTION  = module.accept_message.function.function_name
      PROCESS_MESSAGE_FUNCTION = module.process_message.function.function_name
      WEBHOOK_TOKEN_PARAMETER  = aws_ssm_parameter.webhook_token.name
      WEBHOOK_HEADER_NAME      = var.webhook_header_name
      CANARY_SPACE_ID          = var.canary_space_id
    },
    { for fn in module.sweep_interruptions : "SWEEP_INTERRUPTIONS_FUNCTION" => fn.function.function_name },
  )
}

# The functions CodeDeploy shifts, by key (each gets a deployment group and rollback alarms,
# codedeploy.tf); the sweep only when enabled. canary-check is not one of them: all_functions adds it.
locals {
  functions = merge(
    {
      accept_message  = module.accept_message
      process_message = module.process_message
    },
    [for fn in module.sweep_interruptions : { sweep_interruptions = fn }]...
  )

  all_functions = merge(local.functions, { canary_check = module.canary_check })
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
