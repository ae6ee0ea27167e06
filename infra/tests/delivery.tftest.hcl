# Delivery: CodeDeploy traffic shifting (codedeploy.tf). CodeDeploy is always on and the one mover
# of the shifted functions' live aliases: a group per function, rolled back by 60-second alarms on
# the canary itself, and a role that may only move those aliases, read those alarms and invoke the
# canary-check hook. The GitHub deploy role is not here: infra/bootstrap creates it (its tests are
# infra/bootstrap/tests).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  needs_a_person_enabled  = true
  environment             = "dev"
  octopus_server_url      = "https://octopus.example.com"
  octopus_api_key         = "API-TESTTESTTESTTESTTEST"
  webhook_token           = "" # "" generates it; set because terraform test < 1.17 needs it (hashicorp/terraform#38974)
  accept_message_zip      = "tests/fixtures/bootstrap.zip"
  process_message_zip     = "tests/fixtures/bootstrap.zip"
  sweep_interruptions_zip = "tests/fixtures/bootstrap.zip"
  canary_check_zip        = "tests/fixtures/bootstrap.zip"
}

# Distinct names and ARNs, so that a group on the wrong function or alarm fails.
override_resource {
  target = module.accept_message.aws_lambda_function.this
  values = {
    arn     = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message"
    version = "7"
  }
}

override_resource {
  target = module.process_message.aws_lambda_function.this
  values = {
    arn     = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message"
    version = "9"
  }
}

override_resource {
  target = module.sweep_interruptions[0].aws_lambda_function.this
  values = {
    arn     = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions"
    version = "4"
  }
}

override_resource {
  target = module.canary_check.aws_lambda_function.this
  values = {
    arn     = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-canary-check"
    version = "2"
  }
}

override_resource {
  target = aws_cloudwatch_metric_alarm.rollback_live_errors["accept_message"]
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-rollback-live-errors" }
}

override_resource {
  target = aws_cloudwatch_metric_alarm.rollback_version_errors["accept_message"]
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-rollback-version-errors" }
}

override_resource {
  target = aws_cloudwatch_metric_alarm.rollback_live_errors["process_message"]
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-live-errors" }
}

override_resource {
  target = aws_cloudwatch_metric_alarm.rollback_version_errors["process_message"]
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-version-errors" }
}

override_resource {
  target = aws_cloudwatch_metric_alarm.rollback_live_errors["sweep_interruptions"]
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-sweep-interruptions-rollback-live-errors" }
}

override_resource {
  target = aws_cloudwatch_metric_alarm.rollback_version_errors["sweep_interruptions"]
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-sweep-interruptions-rollback-version-errors" }
}

override_resource {
  target = aws_cloudwatch_metric_alarm.rollback_process_message_failed
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-failed" }
}

override_resource {
  target = aws_iam_role.codedeploy
  values = {
    id  = "octo-responder-dev-codedeploy"
    arn = "arn:aws:iam::123456789012:role/octo-responder-dev-codedeploy"
  }
}

run "codedeploy_is_always_on_with_a_group_per_shifted_function" {
  assert {
    condition     = aws_codedeploy_app.this.compute_platform == "Lambda" && aws_codedeploy_app.this.name == "octo-responder-dev"
    error_message = "one CodeDeploy application for Lambda, named by project and environment, without any variable to turn it on"
  }

  assert {
    condition = (
      aws_codedeploy_deployment_group.this["accept_message"].deployment_group_name == "octo-responder-dev-accept-message" &&
      aws_codedeploy_deployment_group.this["process_message"].deployment_group_name == "octo-responder-dev-process-message" &&
      aws_codedeploy_deployment_group.this["sweep_interruptions"].deployment_group_name == "octo-responder-dev-sweep-interruptions" &&
      length(aws_codedeploy_deployment_group.this) == 3
    )
    error_message = "one deployment group per shifted function, named like the function (scripts/deploy.sh relies on it), and none for canary-check"
  }

  assert {
    condition = alltrue([
      for g in values(aws_codedeploy_deployment_group.this) :
      g.app_name == "octo-responder-dev" &&
      g.deployment_config_name == "CodeDeployDefault.LambdaCanary10Percent5Minutes" &&
      g.service_role_arn == "arn:aws:iam::123456789012:role/octo-responder-dev-codedeploy" &&
      g.deployment_style[0].deployment_option == "WITH_TRAFFIC_CONTROL" &&
      g.deployment_style[0].deployment_type == "BLUE_GREEN"
    ])
    error_message = "each group must be a canary (10% for 5 minutes by default) with traffic control, run by CodeDeploy's role"
  }

  assert {
    condition = alltrue([
      for g in values(aws_codedeploy_deployment_group.this) :
      g.auto_rollback_configuration[0].enabled &&
      toset(g.auto_rollback_configuration[0].events) == toset(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])
    ])
    error_message = "each group must roll back on a failed deployment and on an alarm"
  }

  assert {
    condition = (
      output.codedeploy_application_name == "octo-responder-dev" &&
      output.codedeploy_deployment_group_names == {
        accept_message      = "octo-responder-dev-accept-message"
        process_message     = "octo-responder-dev-process-message"
        sweep_interruptions = "octo-responder-dev-sweep-interruptions"
      } &&
      output.canary_check_function_name == "octo-responder-dev-canary-check"
    )
    error_message = "scripts/deploy.sh needs the application, the groups and canary-check's name (the AppSpec's hooks) from the outputs"
  }

  assert {
    condition     = output.accept_message_version == "7" && output.process_message_version == "9" && output.sweep_interruptions_version == "4"
    error_message = "the published versions must be output for scripts/deploy.sh"
  }

  # dev shifts all at once (quick feedback); staging and prod leave the variable at its canary
  # default. (tests/moto/check.py reads the group back from an apply of envs/dev.tfvars too.)
  assert {
    condition = (
      var.codedeploy_deployment_config == "CodeDeployDefault.LambdaCanary10Percent5Minutes" &&
      can(regex("(?m)^codedeploy_deployment_config\\s*=\\s*\"CodeDeployDefault\\.LambdaAllAtOnce\"", file("envs/dev.tfvars"))) &&
      !strcontains(file("envs/staging.tfvars"), "LambdaAllAtOnce") && !strcontains(file("envs/prod.tfvars"), "LambdaAllAtOnce")
    )
    error_message = "the default must be a canary, envs/dev.tfvars must set codedeploy_deployment_config = \"CodeDeployDefault.LambdaAllAtOnce\", and staging and prod keep the canary"
  }
}

run "each_group_rolls_back_on_60_second_alarms_on_its_own_canary" {
  assert {
    condition = alltrue([
      for g in values(aws_codedeploy_deployment_group.this) :
      g.alarm_configuration[0].enabled && !g.alarm_configuration[0].ignore_poll_alarm_failure
    ])
    error_message = "each group must watch its alarms, and stop when they cannot be read"
  }

  assert {
    condition = (
      aws_codedeploy_deployment_group.this["accept_message"].alarm_configuration[0].alarms == toset([
        "octo-responder-dev-accept-message-rollback-live-errors", "octo-responder-dev-accept-message-rollback-version-errors",
      ]) &&
      aws_codedeploy_deployment_group.this["process_message"].alarm_configuration[0].alarms == toset([
        "octo-responder-dev-process-message-rollback-live-errors", "octo-responder-dev-process-message-rollback-version-errors",
        "octo-responder-dev-process-message-rollback-failed",
      ]) &&
      aws_codedeploy_deployment_group.this["sweep_interruptions"].alarm_configuration[0].alarms == toset([
        "octo-responder-dev-sweep-interruptions-rollback-live-errors", "octo-responder-dev-sweep-interruptions-rollback-version-errors",
      ])
    )
    error_message = "each group must roll back on its own function's live and new-version Errors alarms (process-message also on Failed records), not on the paging 5-minute alarm"
  }

  assert {
    condition = alltrue([
      for key, a in aws_cloudwatch_metric_alarm.rollback_live_errors :
      a.namespace == "AWS/Lambda" && a.metric_name == "Errors" && a.statistic == "Sum" &&
      a.dimensions == tomap({ FunctionName = local.functions[key].function.function_name, Resource = "${local.functions[key].function.function_name}:live" })
    ]) && length(aws_cloudwatch_metric_alarm.rollback_live_errors) == 3
    error_message = "each shifted function must have an Errors alarm on its live alias (FunctionName and Resource = <function>:live)"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.rollback_version_errors["accept_message"].dimensions == tomap({
        FunctionName = "octo-responder-dev-accept-message", Resource = "octo-responder-dev-accept-message:live", ExecutedVersion = "7"
      }) &&
      aws_cloudwatch_metric_alarm.rollback_version_errors["process_message"].dimensions == tomap({
        FunctionName = "octo-responder-dev-process-message", Resource = "octo-responder-dev-process-message:live", ExecutedVersion = "9"
      }) &&
      aws_cloudwatch_metric_alarm.rollback_version_errors["sweep_interruptions"].dimensions == tomap({
        FunctionName = "octo-responder-dev-sweep-interruptions", Resource = "octo-responder-dev-sweep-interruptions:live", ExecutedVersion = "4"
      }) &&
      alltrue([for a in values(aws_cloudwatch_metric_alarm.rollback_version_errors) : a.namespace == "AWS/Lambda" && a.metric_name == "Errors" && a.statistic == "Sum"])
    )
    error_message = "each shifted function must have an Errors alarm on the version this apply published, invoked through live (ExecutedVersion)"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.rollback_process_message_failed.namespace == "OctoResponder" &&
      aws_cloudwatch_metric_alarm.rollback_process_message_failed.metric_name == "Failed" &&
      aws_cloudwatch_metric_alarm.rollback_process_message_failed.statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.rollback_process_message_failed.dimensions == tomap({ Environment = "dev" })
    )
    error_message = "process-message's deployments must also roll back on its Failed records (OctoResponder/Failed by Environment alone)"
  }

  assert {
    condition = alltrue([
      for a in concat(values(aws_cloudwatch_metric_alarm.rollback_live_errors), values(aws_cloudwatch_metric_alarm.rollback_version_errors), [aws_cloudwatch_metric_alarm.rollback_process_message_failed]) :
      a.period == 60 && a.evaluation_periods == 1 && a.comparison_operator == "GreaterThanThreshold" && a.threshold == 0 &&
      a.treat_missing_data == "notBreaching"
    ])
    error_message = "every rollback alarm must fire on the first failure within one 60-second period, and not on silence"
  }

  assert {
    condition = output.codedeploy_rollback_alarm_names == {
      accept_message      = ["octo-responder-dev-accept-message-rollback-live-errors", "octo-responder-dev-accept-message-rollback-version-errors"]
      process_message     = ["octo-responder-dev-process-message-rollback-live-errors", "octo-responder-dev-process-message-rollback-version-errors", "octo-responder-dev-process-message-rollback-failed"]
      sweep_interruptions = ["octo-responder-dev-sweep-interruptions-rollback-live-errors", "octo-responder-dev-sweep-interruptions-rollback-version-errors"]
    }
    error_message = "the rollback alarms must be output per group"
  }
}

run "live_starts_on_the_published_version" {
  assert {
    condition = (
      module.accept_message.alias.function_version == "7" && module.process_message.alias.function_version == "9" &&
      module.sweep_interruptions[0].alias.function_version == "4" && module.canary_check.alias.function_version == "2"
    )
    error_message = "a new alias starts on the version this apply published: there is nothing to shift from"
  }
}

# The state now holds live on 7, 9, 4 and 2. A new build publishes new versions; the mocked provider
# does not compute a version on an update, so the functions are replaced here with new versions
# (8, 10, 5 and 3), which changes the alias's configured function_version exactly as a new
# published version does in AWS.
run "a_new_version_does_not_move_live_only_codedeploy_does" {
  command = plan

  plan_options {
    replace = [
      module.accept_message.aws_lambda_function.this,
      module.process_message.aws_lambda_function.this,
      module.sweep_interruptions[0].aws_lambda_function.this,
      module.canary_check.aws_lambda_function.this,
    ]
  }

  variables {
    accept_message_zip      = "tests/fixtures/bootstrap-next.zip"
    process_message_zip     = "tests/fixtures/bootstrap-next.zip"
    sweep_interruptions_zip = "tests/fixtures/bootstrap-next.zip"
    canary_check_zip        = "tests/fixtures/bootstrap-next.zip"
  }

  override_resource {
    target          = module.accept_message.aws_lambda_function.this
    override_during = plan
    values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message", version = "8" }
  }

  override_resource {
    target          = module.process_message.aws_lambda_function.this
    override_during = plan
    values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message", version = "10" }
  }

  override_resource {
    target          = module.sweep_interruptions[0].aws_lambda_function.this
    override_during = plan
    values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions", version = "5" }
  }

  override_resource {
    target          = module.canary_check.aws_lambda_function.this
    override_during = plan
    values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-canary-check", version = "3" }
  }

  assert {
    condition     = output.accept_message_version == "8" && output.process_message_version == "10" && output.sweep_interruptions_version == "5"
    error_message = "the plan must publish new versions (the premise of this run)"
  }

  assert {
    condition = (
      module.accept_message.alias.function_version == "7" && module.process_message.alias.function_version == "9" &&
      module.sweep_interruptions[0].alias.function_version == "4"
    )
    error_message = "Terraform must leave the shifted functions' live where it is (ignore_changes on function_version): CodeDeploy moves it"
  }

  assert {
    condition     = module.canary_check.alias.function_version == "3"
    error_message = "canary-check is not shifted: Terraform must move its live to the version it publishes"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.rollback_version_errors["accept_message"].dimensions.ExecutedVersion == "8" && aws_cloudwatch_metric_alarm.rollback_version_errors["process_message"].dimensions.ExecutedVersion == "10"
    error_message = "the new-version alarms must follow the version this apply publishes, the one CodeDeploy shifts to next"
  }
}

run "codedeploy_role_may_only_move_these_aliases_read_these_alarms_and_invoke_the_hook" {
  assert {
    condition = (
      data.aws_iam_policy_document.codedeploy_assume_role.statement[0].principals == toset([{ type = "Service", identifiers = toset(["codedeploy.amazonaws.com"]) }]) &&
      contains([for c in data.aws_iam_policy_document.codedeploy_assume_role.statement[0].condition : c.variable], "aws:SourceAccount") &&
      contains([for c in data.aws_iam_policy_document.codedeploy_assume_role.statement[0].condition : c.variable], "aws:SourceArn")
    )
    error_message = "only CodeDeploy, acting for this account's deployment groups, may assume its role"
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.codedeploy.statement : s.sid] == ["ShiftLiveAliases", "ReadRollbackAlarms", "InvokeCanaryCheckHook"]
    error_message = "CodeDeploy's role must have exactly these three statements"
  }

  assert {
    condition = toset(data.aws_iam_policy_document.codedeploy.statement[0].resources) == toset([
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message:*",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message:*",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions:*",
    ])
    error_message = "CodeDeploy's alias rights must be limited to the three shifted functions (not canary-check)"
  }

  assert {
    condition = toset(data.aws_iam_policy_document.codedeploy.statement[1].resources) == toset([
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-rollback-live-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-rollback-version-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-live-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-version-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-failed",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-sweep-interruptions-rollback-live-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-sweep-interruptions-rollback-version-errors",
    ]) && data.aws_iam_policy_document.codedeploy.statement[1].actions == toset(["cloudwatch:DescribeAlarms"])
    error_message = "CodeDeploy may only describe the seven rollback alarms"
  }

  assert {
    condition = (
      data.aws_iam_policy_document.codedeploy.statement[2].actions == toset(["lambda:InvokeFunction"]) &&
      data.aws_iam_policy_document.codedeploy.statement[2].resources == toset([
        "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-canary-check",
        "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-canary-check:*",
      ])
    )
    error_message = "CodeDeploy may invoke canary-check (the AppSpec's hooks), and no other function"
  }

  assert {
    condition = !anytrue(flatten([
      for s in data.aws_iam_policy_document.codedeploy.statement : [for r in s.resources : r == "*"]
    ]))
    error_message = "CodeDeploy's role must not have a \"*\" resource"
  }
}

# Without the sweep there is no third function to shift: no group, alarms or alias rights for it.
run "codedeploy_without_the_sweep_shifts_the_two_other_functions" {
  variables {
    sweep_enabled = false
  }

  assert {
    condition     = length(aws_codedeploy_deployment_group.this) == 2 && !contains(keys(aws_codedeploy_deployment_group.this), "sweep_interruptions")
    error_message = "without the sweep, CodeDeploy must have a group for the two other functions only"
  }

  assert {
    condition = toset(data.aws_iam_policy_document.codedeploy.statement[1].resources) == toset([
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-rollback-live-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-rollback-version-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-live-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-version-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-rollback-failed",
    ]) && length(aws_cloudwatch_metric_alarm.rollback_live_errors) == 2 && length(aws_cloudwatch_metric_alarm.rollback_version_errors) == 2
    error_message = "without the sweep, there are no sweep rollback alarms and CodeDeploy may only describe the remaining five"
  }

  assert {
    condition     = length(data.aws_iam_policy_document.codedeploy.statement[0].resources) == 4
    error_message = "without the sweep, CodeDeploy may only move the two remaining aliases"
  }
}

run "refuses_an_unknown_deployment_config" {
  command = plan

  variables {
    codedeploy_deployment_config = "CodeDeployDefault.OneAtATime"
  }

  expect_failures = [var.codedeploy_deployment_config]
}
