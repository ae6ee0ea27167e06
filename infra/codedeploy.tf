# Gradual traffic shifting with automatic rollback, by AWS CodeDeploy: the one mover of `live`.
#
# Each function that serves traffic (local.functions: accept-message, process-message and, with
# var.sweep_enabled, sweep-interruptions) has a deployment group, named like the function, in one
# CodeDeploy application. A deploy (`make deploy`, scripts/deploy.sh) applies Terraform, which
# publishes the new versions but never moves `live` (modules/function creates those aliases on the
# first published version and then ignores function_version and routing_config), then runs
# scripts/shift-traffic.sh per function: a CodeDeploy deployment whose AppSpec moves `live` from
# its current version to the new one following var.codedeploy_deployment_config (a canary share
# first, then all traffic; all at once in dev), with canary-check (lambda.tf) as its
# BeforeAllowTraffic and AfterAllowTraffic hooks. CodeDeploy rolls it back by itself when a hook
# reports Failed, the deployment fails or is stopped, or a rollback alarm below goes into ALARM.
# A plain `terraform apply` therefore neither moves `live` nor removes these groups.

locals {
  # The alarms that roll a deployment back, per shifted function. They watch the canary itself,
  # in 60-second periods, so that a 5-minute canary gets five looks and the first failed minute
  # stops it:
  # - rollback_live_errors: Errors of invocations through `live` (Resource = <function>:live),
  #   whichever version answered: during the shift, anything the alias serves failing, including
  #   an old version broken by what the new one does.
  # - rollback_version_errors: the same narrowed to the version this apply published
  #   (ExecutedVersion): the canary's own errors, even a few among many successes of the old one.
  # - for process-message, rollback_process_message_failed: records it failed to answer (EMF metric
  #   Failed, dimension set [Environment]). process-message reports failed records as partial batch
  #   failures, so a version that fails every record never raises Errors. The metric names no
  #   version: an Octopus outage during a deploy also rolls it back (deploy again once it is over).
  # The functions' own Errors alarms (modules/function, 5-minute periods) page a person and are
  # not rollback alarms: one look per canary, over a window that may hold the old version's errors.
  # The queue alarms (dlq_not_empty, oldest_message_age) are left out on purpose: they can only
  # fire many minutes after a bad version starts (redrive after max_receive_count visibility
  # timeouts), long after a canary's bake time, and a message left in the DLQ from earlier would
  # block every deployment, including the one that fixes it.
  codedeploy_groups = {
    for key, fn in local.functions : key => {
      function_name = fn.function.function_name
      function_arn  = fn.function.arn
      alarms = concat(
        [aws_cloudwatch_metric_alarm.rollback_live_errors[key], aws_cloudwatch_metric_alarm.rollback_version_errors[key]],
        key == "process_message" ? [aws_cloudwatch_metric_alarm.rollback_process_message_failed] : [],
      )
    }
  }

  rollback_alarm_arns = flatten([for g in values(local.codedeploy_groups) : g.alarms[*].arn])
}

resource "aws_codedeploy_app" "this" {
  name             = local.name_prefix
  compute_platform = "Lambda"
}

resource "aws_codedeploy_deployment_group" "this" {
  for_each = local.codedeploy_groups

  app_name               = aws_codedeploy_app.this.name
  deployment_group_name  = each.value.function_name
  service_role_arn       = aws_iam_role.codedeploy.arn
  deployment_config_name = var.codedeploy_deployment_config

  # Lambda deployments are always blue/green with traffic control (alias weights).
  deployment_style {
    deployment_option = "WITH_TRAFFIC_CONTROL"
    deployment_type   = "BLUE_GREEN"
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  alarm_configuration {
    enabled = true
    alarms  = each.value.alarms[*].alarm_name
    # If CloudWatch cannot be asked, stop (and roll back) rather than shift blind.
    ignore_poll_alarm_failure = false
  }
}

# ---- Rollback alarms (see local.codedeploy_groups) ------------------------------------------------
# No actions: they stop a deployment, which fails the deploy job; the same failures page a person
# through the function's own Errors alarm.

resource "aws_cloudwatch_metric_alarm" "rollback_live_errors" {
  for_each = local.functions

  alarm_name        = "${each.value.function.function_name}-rollback-live-errors"
  alarm_description = "Invocations of ${each.value.function.function_name}:${each.value.alias.name} failed in the last minute: CodeDeploy rolls back a deployment of this function while it is in ALARM."
  namespace         = "AWS/Lambda"
  metric_name       = "Errors"
  dimensions = {
    FunctionName = each.value.function.function_name
    Resource     = "${each.value.function.function_name}:${each.value.alias.name}"
  }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
}

resource "aws_cloudwatch_metric_alarm" "rollback_version_errors" {
  for_each = local.functions

  alarm_name        = "${each.value.function.function_name}-rollback-version-errors"
  alarm_description = "Invocations of ${each.value.function.function_name}:${each.value.alias.name} answered by version ${each.value.function.version} (the one the last apply published) failed in the last minute: CodeDeploy rolls its deployment back."
  namespace         = "AWS/Lambda"
  metric_name       = "Errors"
  dimensions = {
    FunctionName    = each.value.function.function_name
    Resource        = "${each.value.function.function_name}:${each.value.alias.name}"
    ExecutedVersion = each.value.function.version
  }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
}

resource "aws_cloudwatch_metric_alarm" "rollback_process_message_failed" {
  alarm_name          = "${module.process_message.function.function_name}-rollback-failed"
  alarm_description   = "process-message failed to answer records in the last minute (metric Failed, all causes): CodeDeploy rolls back a deployment of process-message while it is in ALARM. Not version-specific: an Octopus outage raises it too."
  namespace           = "OctoResponder"
  metric_name         = "Failed"
  dimensions          = { Environment = var.environment }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
}

# ---- CodeDeploy's service role: move the shifted functions' `live` aliases, read their rollback
# alarms, invoke the canary-check hook ------------------------------------------------------------
# This is what AWS's managed policy AWSCodeDeployRoleForLambdaLimited grants, narrowed to this
# deployment: no S3 (the AppSpec is sent inline), no SNS (no triggers), and lambda:InvokeFunction
# on canary-check only (the hook the AppSpec names).

data "aws_iam_policy_document" "codedeploy_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codedeploy.amazonaws.com"]
    }

    # Only CodeDeploy acting for this deployment's groups (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:codedeploy:${local.region}:${local.account_id}:deploymentgroup:${local.name_prefix}/*"]
    }
  }
}

resource "aws_iam_role" "codedeploy" {
  name               = "${local.name_prefix}-codedeploy"
  description        = "CodeDeploy: shifts the live aliases of ${local.name_prefix}'s functions, watching their rollback alarms, and runs the canary-check hook"
  assume_role_policy = data.aws_iam_policy_document.codedeploy_assume_role.json
  # The environment's boundary (infra/bootstrap): the deploy role may create this role only with it.
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "codedeploy" {
  statement {
    sid     = "ShiftLiveAliases"
    actions = ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"]
    resources = flatten([
      for g in values(local.codedeploy_groups) : [g.function_arn, "${g.function_arn}:*"]
    ])
  }

  statement {
    sid       = "ReadRollbackAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = local.rollback_alarm_arns
  }

  statement {
    sid       = "InvokeCanaryCheckHook"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.canary_check.function.arn, "${module.canary_check.function.arn}:*"]
  }
}

resource "aws_iam_role_policy" "codedeploy" {
  name   = "codedeploy-lambda"
  role   = aws_iam_role.codedeploy.id
  policy = data.aws_iam_policy_document.codedeploy.json
}
