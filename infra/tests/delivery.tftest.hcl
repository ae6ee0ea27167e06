# Delivery: CodeDeploy traffic shifting (codedeploy.tf) and the GitHub OIDC deploy role
# (github_oidc.tf). Both are off by default and then create nothing; on, CodeDeploy owns the live
# aliases' moves and the deploy role trusts one repository's one environment only.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  needs_a_person_enabled  = true
  environment             = "dev"
  octopus_server_url      = "https://octopus.example.com"
  octopus_api_key         = "API-TESTTESTTESTTESTTEST"
  webhook_token           = "0123456789abcdef0123456789abcdef"
  accept_message_zip      = "tests/fixtures/bootstrap.zip"
  process_message_zip     = "tests/fixtures/bootstrap.zip"
  sweep_interruptions_zip = "tests/fixtures/bootstrap.zip"
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
  target = module.accept_message.aws_cloudwatch_metric_alarm.errors
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-errors" }
}

override_resource {
  target = module.process_message.aws_cloudwatch_metric_alarm.errors
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-errors" }
}

override_resource {
  target = module.sweep_interruptions[0].aws_cloudwatch_metric_alarm.errors
  values = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-sweep-interruptions-errors" }
}

override_resource {
  target = aws_iam_role.codedeploy
  values = {
    id  = "octo-responder-dev-codedeploy"
    arn = "arn:aws:iam::123456789012:role/octo-responder-dev-codedeploy"
  }
}

override_resource {
  target = aws_iam_openid_connect_provider.github
  values = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
}

override_resource {
  target = aws_iam_role.github_deploy
  values = {
    id  = "octo-responder-dev-github-deploy"
    arn = "arn:aws:iam::123456789012:role/octo-responder-dev-github-deploy"
  }
}

run "off_by_default_creates_nothing_and_terraform_moves_live" {
  assert {
    condition = (
      length(aws_codedeploy_app.this) == 0 && length(aws_codedeploy_deployment_group.this) == 0 &&
      length(aws_iam_role.codedeploy) == 0 && length(aws_iam_role_policy.codedeploy) == 0
    )
    error_message = "without codedeploy_enabled no CodeDeploy application, group or role may be created"
  }

  assert {
    condition = (
      length(aws_iam_openid_connect_provider.github) == 0 && length(aws_iam_role.github_deploy) == 0 &&
      length(aws_iam_role_policy.github_deploy_core) == 0 && length(aws_iam_role_policy.github_deploy_edge) == 0
    )
    error_message = "without github_repository no OIDC provider or deploy role may be created"
  }

  assert {
    condition     = module.accept_message.alias.function_version == "7" && module.process_message.alias.function_version == "9" && module.sweep_interruptions[0].alias.function_version == "4"
    error_message = "without CodeDeploy, live must point at the version this apply publishes"
  }

  assert {
    condition = (
      output.codedeploy_application_name == null && output.codedeploy_deployment_group_names == {} &&
      output.github_deploy_role_arn == null && output.github_oidc_provider_arn == null
    )
    error_message = "the delivery outputs must be null or empty when both options are off"
  }

  assert {
    condition     = output.accept_message_version == "7" && output.process_message_version == "9" && output.sweep_interruptions_version == "4"
    error_message = "the published versions must be output for scripts/deploy.sh"
  }
}

run "codedeploy_groups_shift_each_live_alias_and_roll_back_on_its_alarm" {
  variables {
    codedeploy_enabled               = true
    accept_message_live_version      = "6"
    process_message_live_version     = "8"
    sweep_interruptions_live_version = "3"
  }

  assert {
    condition     = aws_codedeploy_app.this[0].compute_platform == "Lambda" && aws_codedeploy_app.this[0].name == "octo-responder-dev"
    error_message = "one CodeDeploy application for Lambda, named by project and environment"
  }

  assert {
    condition = (
      aws_codedeploy_deployment_group.this["accept_message"].deployment_group_name == "octo-responder-dev-accept-message" &&
      aws_codedeploy_deployment_group.this["process_message"].deployment_group_name == "octo-responder-dev-process-message" &&
      aws_codedeploy_deployment_group.this["sweep_interruptions"].deployment_group_name == "octo-responder-dev-sweep-interruptions" &&
      length(aws_codedeploy_deployment_group.this) == 3
    )
    error_message = "one deployment group per function, named like the function (scripts/deploy.sh relies on it)"
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
      aws_codedeploy_deployment_group.this["accept_message"].alarm_configuration[0].enabled &&
      !aws_codedeploy_deployment_group.this["accept_message"].alarm_configuration[0].ignore_poll_alarm_failure &&
      aws_codedeploy_deployment_group.this["accept_message"].alarm_configuration[0].alarms == toset([module.accept_message.errors_alarm.alarm_name]) &&
      aws_codedeploy_deployment_group.this["process_message"].alarm_configuration[0].enabled &&
      aws_codedeploy_deployment_group.this["process_message"].alarm_configuration[0].alarms == toset([module.process_message.errors_alarm.alarm_name]) &&
      aws_codedeploy_deployment_group.this["sweep_interruptions"].alarm_configuration[0].enabled &&
      aws_codedeploy_deployment_group.this["sweep_interruptions"].alarm_configuration[0].alarms == toset([module.sweep_interruptions[0].errors_alarm.alarm_name])
    )
    error_message = "each group must watch its own function's Errors alarm (and stop when alarms cannot be read)"
  }

  assert {
    condition     = module.accept_message.alias.function_version == "6" && module.process_message.alias.function_version == "8" && module.sweep_interruptions[0].alias.function_version == "3"
    error_message = "with CodeDeploy, Terraform must keep live on the version it points at now, not move it to the new one"
  }

  assert {
    condition     = output.codedeploy_application_name == "octo-responder-dev" && output.accept_message_version == "7" && output.process_message_version == "9" && output.sweep_interruptions_version == "4"
    error_message = "scripts/deploy.sh needs the application and the new versions from the outputs"
  }
}

run "codedeploy_role_may_only_move_these_aliases_and_read_these_alarms" {
  variables {
    codedeploy_enabled               = true
    accept_message_live_version      = "6"
    process_message_live_version     = "8"
    sweep_interruptions_live_version = "3"
  }

  assert {
    condition = (
      data.aws_iam_policy_document.codedeploy_assume_role[0].statement[0].principals == toset([{ type = "Service", identifiers = toset(["codedeploy.amazonaws.com"]) }]) &&
      contains([for c in data.aws_iam_policy_document.codedeploy_assume_role[0].statement[0].condition : c.variable], "aws:SourceAccount") &&
      contains([for c in data.aws_iam_policy_document.codedeploy_assume_role[0].statement[0].condition : c.variable], "aws:SourceArn")
    )
    error_message = "only CodeDeploy, acting for this account's deployment groups, may assume its role"
  }

  assert {
    condition = toset(data.aws_iam_policy_document.codedeploy[0].statement[0].resources) == toset([
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-accept-message:*",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message:*",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions",
      "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-sweep-interruptions:*",
    ])
    error_message = "CodeDeploy's alias rights must be limited to the three functions"
  }

  assert {
    condition = toset(data.aws_iam_policy_document.codedeploy[0].statement[1].resources) == toset([
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-sweep-interruptions-errors",
    ]) && toset(data.aws_iam_policy_document.codedeploy[0].statement[1].actions) == toset(["cloudwatch:DescribeAlarms"])
    error_message = "CodeDeploy may only describe the three rollback alarms"
  }

  assert {
    condition = !anytrue(flatten([
      for s in data.aws_iam_policy_document.codedeploy[0].statement : [for r in s.resources : r == "*"]
    ]))
    error_message = "CodeDeploy's role must not have a \"*\" resource"
  }
}

run "first_deploy_with_codedeploy_creates_live_on_the_published_version" {
  variables {
    codedeploy_enabled               = true
    accept_message_live_version      = "published"
    process_message_live_version     = "published"
    sweep_interruptions_live_version = "published"
  }

  assert {
    condition     = module.accept_message.alias.function_version == "7" && module.process_message.alias.function_version == "9" && module.sweep_interruptions[0].alias.function_version == "4"
    error_message = "with no alias yet there is nothing to shift from: live starts on the published version"
  }
}

run "codedeploy_without_the_live_versions_is_refused" {
  command = plan

  variables {
    codedeploy_enabled = true
  }

  expect_failures = [var.accept_message_live_version, var.process_message_live_version, var.sweep_interruptions_live_version]
}

# Without the sweep there is no third alias, so no third live version to give.
run "codedeploy_without_the_sweep_needs_no_sweep_live_version" {
  variables {
    codedeploy_enabled           = true
    sweep_enabled                = false
    accept_message_live_version  = "6"
    process_message_live_version = "8"
  }

  assert {
    condition     = length(aws_codedeploy_deployment_group.this) == 2 && !contains(keys(aws_codedeploy_deployment_group.this), "sweep_interruptions")
    error_message = "without the sweep, CodeDeploy must have a group for the two other functions only"
  }

  assert {
    condition = toset(data.aws_iam_policy_document.codedeploy[0].statement[1].resources) == toset([
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-accept-message-errors",
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-process-message-errors",
    ])
    error_message = "without the sweep, CodeDeploy may only describe the two remaining rollback alarms"
  }
}

run "refuses_an_unknown_deployment_config" {
  command = plan

  variables {
    codedeploy_deployment_config = "CodeDeployDefault.OneAtATime"
  }

  expect_failures = [var.codedeploy_deployment_config]
}

run "deploy_role_trusts_only_this_repository_environment_through_github_oidc" {
  variables {
    github_repository      = "example-org/octo-responder"
    terraform_state_bucket = "example-terraform-state"
  }

  assert {
    condition = (
      aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" &&
      aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    )
    error_message = "the OIDC provider must be GitHub's, for the audience sts.amazonaws.com"
  }

  assert {
    condition = (
      aws_iam_role.github_deploy[0].name == "octo-responder-dev-github-deploy" &&
      aws_iam_role.github_deploy[0].assume_role_policy == data.aws_iam_policy_document.github_deploy_trust[0].json &&
      output.github_deploy_role_arn == "arn:aws:iam::123456789012:role/octo-responder-dev-github-deploy"
    )
    error_message = "the deploy role must carry the trust policy below and be output for the workflow"
  }

  assert {
    condition = (
      length(data.aws_iam_policy_document.github_deploy_trust[0].statement) == 1 &&
      data.aws_iam_policy_document.github_deploy_trust[0].statement[0].actions == toset(["sts:AssumeRoleWithWebIdentity"]) &&
      data.aws_iam_policy_document.github_deploy_trust[0].statement[0].principals == toset([{
        type        = "Federated"
        identifiers = toset(["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"])
      }])
    )
    error_message = "only web identities from the GitHub OIDC provider may assume the deploy role"
  }

  assert {
    condition = toset([
      for c in data.aws_iam_policy_document.github_deploy_trust[0].statement[0].condition : {
        test = c.test, variable = c.variable, values = c.values
      }
      ]) == toset([
      { test = "StringEquals", variable = "token.actions.githubusercontent.com:aud", values = tolist(["sts.amazonaws.com"]) },
      { test = "StringEquals", variable = "token.actions.githubusercontent.com:sub", values = tolist(["repo:example-org/octo-responder:environment:dev"]) },
    ])
    error_message = "the trust policy must require audience sts.amazonaws.com and exactly the subject repo:<owner>/<name>:environment:<env> (no wildcard, no branch or pull request)"
  }
}

run "deploy_role_permissions_stay_within_this_environment" {
  variables {
    github_repository      = "example-org/octo-responder"
    terraform_state_bucket = "example-terraform-state"
  }

  assert {
    condition = alltrue(flatten([
      for doc in [data.aws_iam_policy_document.github_deploy_core[0], data.aws_iam_policy_document.github_deploy_edge[0]] : [
        for s in doc.statement : [for a in s.actions : a != "*" && !endswith(a, ":*") || contains(["sqs:*", "codedeploy:*"], a)]
      ]
    ]))
    error_message = "no deploy statement may allow every action, except sqs:* and codedeploy:* on this environment's own queues and application"
  }

  assert {
    condition = alltrue(flatten([
      for doc in [data.aws_iam_policy_document.github_deploy_core[0], data.aws_iam_policy_document.github_deploy_edge[0]] : [
        for s in doc.statement : [
          for r in s.resources :
          r == "*" ? contains(["EventSourceMappingCreate", "DescribeParameters", "CreateTaggedKey", "AccessLogDelivery"], s.sid) : (
            strcontains(r, "octo-responder-dev") || strcontains(r, "octo-responder/dev/") ||
            strcontains(r, "token.actions.githubusercontent.com") || startswith(r, "arn:aws:apigateway:eu-west-1::/") ||
            r == "arn:aws:s3:::example-terraform-state" ||
            contains(["arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:*", "arn:aws:kms:eu-west-1:123456789012:key/*", "arn:aws:logs:eu-west-1:123456789012:log-group:*", "arn:aws:codedeploy:eu-west-1:123456789012:deploymentconfig:*"], r)
          )
        ]
      ]
    ]))
    error_message = "every deploy statement must name this environment's resources; \"*\" only where the action takes no ARN"
  }

  assert {
    condition = (
      [for s in data.aws_iam_policy_document.github_deploy_core[0].statement : s.resources if s.sid == "StateObjects"][0] == toset(["arn:aws:s3:::example-terraform-state/octo-responder/dev/*"])
    )
    error_message = "the deploy role may only touch this environment's state objects"
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.github_deploy_core[0].statement :
      length(setsubtract(toset(s.resources), toset([
        "arn:aws:iam::123456789012:role/octo-responder-dev-accept-message-role",
        "arn:aws:iam::123456789012:role/octo-responder-dev-process-message-role",
        "arn:aws:iam::123456789012:role/octo-responder-dev-sweep-interruptions-role",
        "arn:aws:iam::123456789012:role/octo-responder-dev-codedeploy",
        "arn:aws:iam::123456789012:role/octo-responder-dev-sweep-scheduler",
      ]))) == 0 if anytrue([for a in s.actions : startswith(a, "iam:") && !startswith(a, "iam:Get") && !startswith(a, "iam:List")])
    ])
    error_message = "the deploy role may change and pass only the function roles, CodeDeploy's role and the sweep schedule's role, never itself"
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.github_deploy_core[0].statement : s.resources if s.sid == "ManagedRoles"][0] == toset([
      "arn:aws:iam::123456789012:role/octo-responder-dev-accept-message-role",
      "arn:aws:iam::123456789012:role/octo-responder-dev-process-message-role",
      "arn:aws:iam::123456789012:role/octo-responder-dev-sweep-interruptions-role",
      "arn:aws:iam::123456789012:role/octo-responder-dev-codedeploy",
      "arn:aws:iam::123456789012:role/octo-responder-dev-sweep-scheduler",
    ])
    error_message = "the deploy role must manage exactly the three function roles, CodeDeploy's role and the sweep schedule's role"
  }

  assert {
    condition = (
      [for s in data.aws_iam_policy_document.github_deploy_core[0].statement : s.resources if s.sid == "PassSchedulerRole"][0] == toset(["arn:aws:iam::123456789012:role/octo-responder-dev-sweep-scheduler"]) &&
      [for s in data.aws_iam_policy_document.github_deploy_core[0].statement : one(s.condition).values if s.sid == "PassSchedulerRole"][0] == tolist(["scheduler.amazonaws.com"]) &&
      !contains([for s in data.aws_iam_policy_document.github_deploy_core[0].statement : s.resources if s.sid == "PassManagedRoles"][0], "arn:aws:iam::123456789012:role/octo-responder-dev-sweep-scheduler")
    )
    error_message = "the sweep schedule's role may be passed to EventBridge Scheduler only, and no other role to Scheduler"
  }

  assert {
    condition = toset([for s in data.aws_iam_policy_document.github_deploy_edge[0].statement : s.resources if s.sid == "SweepSchedule"][0]) == toset([
      "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/octo-responder-dev",
      "arn:aws:scheduler:eu-west-1:123456789012:schedule/octo-responder-dev/*",
    ])
    error_message = "the deploy role may manage this environment's schedule group and its schedules only"
  }

  assert {
    condition = (
      [for s in data.aws_iam_policy_document.github_deploy_edge[0].statement : s.resources if anytrue([for a in s.actions : startswith(a, "dynamodb:")])] ==
      [toset(["arn:aws:dynamodb:eu-west-1:123456789012:table/octo-responder-dev-notices"])]
    )
    error_message = "the deploy role may manage this environment's notices table only"
  }

  assert {
    condition = alltrue([
      for doc in [data.aws_iam_policy_document.github_deploy_core[0], data.aws_iam_policy_document.github_deploy_edge[0]] : alltrue([
        for s in doc.statement : toset([for c in s.condition : "${c.variable}=${join(",", c.values)}"]) == toset([
          "kms:ViaService=dynamodb.eu-west-1.amazonaws.com",
          "kms:GrantIsForAWSResource=true",
          "aws:ResourceTag/Project=octo-responder",
          "aws:ResourceTag/Environment=dev",
        ]) if contains(s.actions, "kms:CreateGrant")
      ])
    ])
    error_message = "the deploy role may create grants only for DynamoDB (the notices table), only on this environment's keys"
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.github_deploy_core[0].statement :
      length([for c in s.condition : c if c.variable == "aws:RequestTag/Environment" && c.values == tolist(["dev"])]) == 1
      if contains(s.actions, "kms:CreateKey")
    ])
    error_message = "the deploy role may only create KMS keys tagged with its environment"
  }
}

run "an_existing_oidc_provider_is_trusted_instead_of_a_new_one" {
  variables {
    environment              = "prod"
    github_repository        = "example-org/octo-responder"
    terraform_state_bucket   = "example-terraform-state"
    github_oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "with github_oidc_provider_arn no second provider may be created (one per account)"
  }

  assert {
    condition = (
      one(data.aws_iam_policy_document.github_deploy_trust[0].statement[0].principals).identifiers == toset(["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]) &&
      [for c in data.aws_iam_policy_document.github_deploy_trust[0].statement[0].condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"][0] == tolist(["repo:example-org/octo-responder:environment:prod"])
    )
    error_message = "the prod role must trust the given provider, for the prod environment only"
  }
}

run "refuses_a_deploy_role_without_the_state_bucket" {
  command = plan

  variables {
    github_repository = "example-org/octo-responder"
  }

  expect_failures = [var.terraform_state_bucket]
}

run "refuses_a_repository_that_is_not_owner_slash_name" {
  command = plan

  variables {
    github_repository      = "example-org/*"
    terraform_state_bucket = "example-terraform-state"
  }

  expect_failures = [var.github_repository]
}
