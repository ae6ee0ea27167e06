# The two functions from cargo-lambda's zips, each published as a version behind a `live` alias,
# and the SQS event source mapping that feeds process-message's alias.

resource "aws_lambda_function" "accept_message" {
  # checkov:skip=CKV_AWS_50:X-Ray is not wired into the Rust functions, and its write actions cannot be scoped to an ARN (the roles have no "*" resources).
  # checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; a Lambda DLQ only applies to asynchronous invocations. Failed publishes answer 503 so Octopus retries.
  # checkov:skip=CKV_AWS_117:Needs only public AWS endpoints (SQS, SSM); a VPC would add NAT or endpoints and cost without protecting anything.
  # checkov:skip=CKV_AWS_173:The environment holds no secrets (the queue URL, a header name and a parameter name); the token is an SSM SecureString under the responder's key.
  # checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile in the build pipeline; the zip's hash is pinned through source_code_hash.
  function_name                  = local.accept_message_name
  description                    = "octo-responder: authenticates Octopus webhooks and queues them"
  role                           = aws_iam_role.accept_message.arn
  filename                       = local.accept_message_zip
  source_code_hash               = fileexists(local.accept_message_zip) ? filebase64sha256(local.accept_message_zip) : null
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.lambda_architecture]
  memory_size                    = var.lambda_memory_mb
  timeout                        = var.accept_message_timeout_seconds
  reserved_concurrent_executions = var.accept_message_reserved_concurrency
  publish                        = true

  environment {
    variables = {
      QUEUE_URL               = aws_sqs_queue.messages.url
      WEBHOOK_HEADER_NAME     = var.webhook_header_name
      WEBHOOK_TOKEN_PARAMETER = aws_ssm_parameter.webhook_token.name
    }
  }

  logging_config {
    log_format            = "JSON"
    application_log_level = var.log_level
    system_log_level      = "WARN"
    log_group             = aws_cloudwatch_log_group.accept_message.name
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.accept_message_zip)
      error_message = "No accept-message zip at ${local.accept_message_zip}: run `make package` first, or set accept_message_zip."
    }
  }

  depends_on = [aws_iam_role_policy.accept_message]
}

resource "aws_lambda_alias" "accept_message" {
  name          = "live"
  description   = "The version API Gateway invokes"
  function_name = aws_lambda_function.accept_message.function_name
  # The published version, unless CodeDeploy moves live (codedeploy.tf): then the version live
  # points at now, so that Terraform never moves it past a canary.
  function_version = local.accept_message_alias_version

  lifecycle {
    # CodeDeploy (var.codedeploy_enabled) shifts traffic through the alias's routing weights; an
    # apply during a deployment must not reset them. Terraform never sets routing_config here, so
    # ignoring it changes nothing without CodeDeploy. (ignore_changes cannot depend on a variable,
    # hence function_version above follows var.*_live_version instead of being ignored.)
    ignore_changes = [routing_config]
  }
}

resource "aws_lambda_function" "process_message" {
  # checkov:skip=CKV_AWS_50:X-Ray is not wired into the Rust functions, and its write actions cannot be scoped to an ARN (the roles have no "*" resources).
  # checkov:skip=CKV_AWS_116:Invoked by the SQS event source mapping; failed records go to the queue's own dead-letter queue through its redrive policy, a Lambda DLQ would never be used.
  # checkov:skip=CKV_AWS_117:Calls the Octopus server, which may be anywhere on the internet; a VPC would need a NAT gateway without protecting anything.
  # checkov:skip=CKV_AWS_173:The environment holds no secrets (a URL, numbers, flags and a parameter name); the API key is an SSM SecureString under the responder's key.
  # checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile in the build pipeline; the zip's hash is pinned through source_code_hash.
  function_name                  = local.process_message_name
  description                    = "octo-responder: answers Octopus guided failures and manual interventions from the queue"
  role                           = aws_iam_role.process_message.arn
  filename                       = local.process_message_zip
  source_code_hash               = fileexists(local.process_message_zip) ? filebase64sha256(local.process_message_zip) : null
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.lambda_architecture]
  memory_size                    = var.lambda_memory_mb
  timeout                        = var.process_message_timeout_seconds
  reserved_concurrent_executions = var.process_message_reserved_concurrency
  publish                        = true

  environment {
    variables = {
      OCTOPUS_SERVER_URL         = var.octopus_server_url
      OCTOPUS_API_KEY_PARAMETER  = aws_ssm_parameter.octopus_api_key.name
      OCTOPUS_REQUEST_TIMEOUT_MS = tostring(var.octopus_request_timeout_ms)
      MAX_CONCURRENCY            = tostring(var.max_concurrency)
      DRY_RUN                    = tostring(var.dry_run)
    }
  }

  logging_config {
    log_format            = "JSON"
    application_log_level = var.log_level
    system_log_level      = "WARN"
    log_group             = aws_cloudwatch_log_group.process_message.name
  }

  lifecycle {
    precondition {
      condition     = fileexists(local.process_message_zip)
      error_message = "No process-message zip at ${local.process_message_zip}: run `make package` first, or set process_message_zip."
    }
  }

  depends_on = [aws_iam_role_policy.process_message]
}

resource "aws_lambda_alias" "process_message" {
  name          = "live"
  description   = "The version the SQS event source mapping invokes"
  function_name = aws_lambda_function.process_message.function_name
  # The published version, unless CodeDeploy moves live (codedeploy.tf): then the version live
  # points at now, so that Terraform never moves it past a canary.
  function_version = local.process_message_alias_version

  lifecycle {
    # CodeDeploy (var.codedeploy_enabled) shifts traffic through the alias's routing weights; an
    # apply during a deployment must not reset them. Terraform never sets routing_config here, so
    # ignoring it changes nothing without CodeDeploy. (ignore_changes cannot depend on a variable,
    # hence function_version above follows var.*_live_version instead of being ignored.)
    ignore_changes = [routing_config]
  }
}

resource "aws_lambda_event_source_mapping" "messages" {
  event_source_arn = aws_sqs_queue.messages.arn
  function_name    = aws_lambda_alias.process_message.arn
  batch_size       = var.batch_size
  # FIFO event sources take no batching window (the variable's validation keeps it 0 there).
  maximum_batching_window_in_seconds = var.fifo_queue ? null : var.maximum_batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.event_source_maximum_concurrency
  }
}
