# One function of the responder: a cargo-lambda zip published as a version behind a `live` alias
# (moved by CodeDeploy or by Terraform: var.shifted_by_codedeploy), its own log group (JSON logs,
# retention, the responder's key), its own role (what the caller allows plus writing that log
# group), and an alarm on its Errors. What triggers it (API route, queue mapping, schedule) stays
# with the caller, on the alias.

locals {
  function_name = "${var.shared.name_prefix}-${var.name}"
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_338:Retention is var.log_retention_days (30 by default, 365 in envs/prod.tfvars); these are operational logs without secrets, not an audit trail that must be kept a year.
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.shared.log_retention_days
  kms_key_id        = var.shared.kms_key_arn
}

# ---- Role: the caller's statements, narrowed to ARNs, plus this function's log group -------------

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${local.function_name}-role"
  description        = var.role_description
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  # The environment's boundary (infra/bootstrap): the deploy role may create this role only with it.
  permissions_boundary = var.shared.permissions_boundary_arn
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = var.policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = var.name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# ---- Function and its live alias ----------------------------------------------------------------

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_50:X-Ray is not wired into the Rust functions, and its write actions cannot be scoped to an ARN (the roles have no "*" resources).
  # checkov:skip=CKV_AWS_116:A Lambda DLQ only catches asynchronous invocations: accept-message is invoked synchronously by API Gateway (a failed publish answers 503 so Octopus retries) and process-message by the SQS mapping, whose queue has its own dead-letter queue. sweep-interruptions is invoked asynchronously by EventBridge Scheduler, whose own dead-letter queue catches undeliverable invocations; a failed sweep is not retried (the next scheduled one redoes it, schedule.tf) and raises this function's Errors alarm, so a DLQ would only collect empty {} events.
  # checkov:skip=CKV_AWS_117:The functions need only public endpoints (SQS, SSM, the Octopus server, which may be anywhere on the internet); a VPC would add a NAT gateway or endpoints and cost without protecting anything.
  # checkov:skip=CKV_AWS_173:The environment holds no secrets (URLs, numbers, flags and parameter names; tests/functions.tftest.hcl checks it); the secrets are SSM SecureStrings under the responder's key.
  # checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile in the build pipeline; the zip's hash is pinned through source_code_hash.
  function_name                  = local.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  filename                       = var.zip
  source_code_hash               = fileexists(var.zip) ? filebase64sha256(var.zip) : null
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.shared.architecture]
  memory_size                    = coalesce(var.memory_mb, var.shared.memory_mb)
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency
  publish                        = true

  environment {
    # ENVIRONMENT: the Environment dimension of the function's EMF metrics.
    variables = merge(var.environment_variables, { ENVIRONMENT = var.shared.environment })
  }

  lifecycle {
    # A precondition rather than a variable validation, so that a destroy needs no zip.
    precondition {
      condition     = fileexists(var.zip)
      error_message = "No ${var.name} zip at ${var.zip}: run `make package` first, or set ${var.zip_variable}."
    }
  }

  logging_config {
    log_format            = "JSON"
    application_log_level = var.shared.log_level
    system_log_level      = "WARN"
    log_group             = aws_cloudwatch_log_group.this.name
  }

  depends_on = [aws_iam_role_policy.this]
}

# Two variants of the alias, one of them per function (ignore_changes cannot depend on a variable).
# The outputs hand out whichever exists as `alias`.
#
# live (var.shifted_by_codedeploy): created on the published version, then never moved by
# Terraform. CodeDeploy (codedeploy.tf, scripts/shift-traffic.sh) is the one mover: it shifts the
# alias's routing weights to a new version and sets function_version when done, or rolls back. A
# plain `terraform apply` publishes the new version and leaves live where it is (and leaves
# routing_config, which CodeDeploy sets while it shifts, alone). Its address is the one the alias
# had before the variants (moved below), so no applied alias is replaced.
resource "aws_lambda_alias" "live" {
  count = var.shifted_by_codedeploy ? 1 : 0

  name             = "live"
  description      = var.alias_description
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, routing_config]
  }
}

moved {
  from = aws_lambda_alias.live
  to   = aws_lambda_alias.live[0]
}

# live_by_terraform (not shifted, e.g. the canary-check hook itself): every apply moves live to the
# version it publishes, at once.
resource "aws_lambda_alias" "live_by_terraform" {
  count = var.shifted_by_codedeploy ? 0 : 1

  name             = "live"
  description      = var.alias_description
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

# ---- Errors alarm --------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${local.function_name}-errors"
  alarm_description   = var.errors_alarm_description
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = var.shared.alarm_actions
  ok_actions          = var.shared.alarm_actions
}
