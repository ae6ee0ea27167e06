# Gradual traffic shifting with automatic rollback, by AWS CodeDeploy (optional, off by default).
#
# When var.codedeploy_enabled is true, each function gets a deployment group (named like the
# function) in one CodeDeploy application. A deploy (`make deploy`, scripts/deploy.sh) applies
# Terraform, which publishes the new versions but leaves `live` where it is, then runs
# scripts/shift-traffic.sh per function: a CodeDeploy deployment whose AppSpec moves `live` from
# its current version to the new one following var.codedeploy_deployment_config (a canary share
# first, then all traffic), and rolls it back by itself when the deployment fails, is stopped, or
# the function's Errors alarm (modules/function) goes into ALARM during the bake time.
#
# Terraform and CodeDeploy must not both move `live`: with CodeDeploy on, the aliases
# (modules/function, called in lambda.tf) take their version from var.<function>_live_version (what
# `live` points at now, read by scripts/plan.sh), and ignore routing_config, which CodeDeploy sets
# while it shifts.

locals {
  codedeploy_count = var.codedeploy_enabled ? 1 : 0

  # The version each live alias is kept on (the module's live_version). Without CodeDeploy: null,
  # i.e. the version this apply publishes (live moves at once, as before). With it: the version
  # live points at now; "published" (first deploy, no alias yet) falls back to the published one.
  kept_live_version = {
    for fn, version in {
      accept_message      = var.accept_message_live_version
      process_message     = var.process_message_live_version
      sweep_interruptions = var.sweep_interruptions_live_version
    } : fn => var.codedeploy_enabled && version != null && version != "published" ? version : null
  }

  # The alarms that roll a deployment back: each function's own Errors alarm. The queue alarms
  # (dlq_not_empty, oldest_message_age) are left out on purpose: they can only fire many minutes
  # after a bad version starts (redrive after max_receive_count visibility timeouts), long after a
  # canary's bake time, and a message left in the DLQ from earlier would block every deployment,
  # including the one that fixes it.
  codedeploy_groups = {
    for key, fn in local.functions : key => {
      function_name = fn.function.function_name
      function_arn  = fn.function.arn
      alarm_names   = [fn.errors_alarm.alarm_name]
      alarm_arns    = [fn.errors_alarm.arn]
    }
  }
}

resource "aws_codedeploy_app" "this" {
  count = local.codedeploy_count

  name             = local.name_prefix
  compute_platform = "Lambda"
}

resource "aws_codedeploy_deployment_group" "this" {
  for_each = var.codedeploy_enabled ? local.codedeploy_groups : {}

  app_name               = aws_codedeploy_app.this[0].name
  deployment_group_name  = each.value.function_name
  service_role_arn       = aws_iam_role.codedeploy[0].arn
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
    alarms  = each.value.alarm_names
    # If CloudWatch cannot be asked, stop (and roll back) rather than shift blind.
    ignore_poll_alarm_failure = false
  }
}

# ---- CodeDeploy's service role: move the functions' `live` aliases, read their alarms -----------
# This is what AWS's managed policy AWSCodeDeployRoleForLambdaLimited grants, narrowed to this
# deployment: no S3 (the AppSpec is sent inline), no SNS (no triggers), no lifecycle hooks.

data "aws_iam_policy_document" "codedeploy_assume_role" {
  count = local.codedeploy_count

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
  count = local.codedeploy_count

  name               = "${local.name_prefix}-codedeploy"
  description        = "CodeDeploy: shifts the live aliases of ${local.name_prefix}'s functions, watching their alarms"
  assume_role_policy = data.aws_iam_policy_document.codedeploy_assume_role[0].json
}

data "aws_iam_policy_document" "codedeploy" {
  count = local.codedeploy_count

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
    resources = flatten([for g in values(local.codedeploy_groups) : g.alarm_arns])
  }
}

resource "aws_iam_role_policy" "codedeploy" {
  count = local.codedeploy_count

  name   = "codedeploy-lambda"
  role   = aws_iam_role.codedeploy[0].id
  policy = data.aws_iam_policy_document.codedeploy[0].json
}
