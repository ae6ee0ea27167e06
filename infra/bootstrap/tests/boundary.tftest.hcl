# Each environment's permissions boundary (boundary.tf): what infra/'s roles need at most, on
# this environment's resources only, nothing in IAM.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  github_repository = "example-org/octo-responder"
  state_bucket_name = "example-terraform-state"
  environments = {
    dev  = {}
    prod = { region = "eu-central-1", publish_topic_arns = ["arn:aws:sns:eu-central-1:123456789012:team-pager"] }
  }
}

run "one_boundary_per_environment_named_for_it" {
  assert {
    condition = (
      keys(aws_iam_policy.boundary) == ["dev", "prod"] &&
      aws_iam_policy.boundary["dev"].name == "octo-responder-dev-boundary" &&
      aws_iam_policy.boundary["prod"].name == "octo-responder-prod-boundary" &&
      aws_iam_policy.boundary["prod"].policy == data.aws_iam_policy_document.boundary["prod"].json &&
      output.permissions_boundary_arns == { dev = "arn:aws:iam::123456789012:policy/mock", prod = "arn:aws:iam::123456789012:policy/mock" }
    )
    error_message = "each environment must have its boundary <project>-<env>-boundary holding its own document, output for infra/'s permissions_boundary_arn"
  }
}

run "nothing_in_iam_and_no_wildcard_resource" {
  assert {
    condition = alltrue(flatten([
      for env in ["dev", "prod"] : [
        for s in data.aws_iam_policy_document.boundary[env].statement : [
          for a in s.actions : !startswith(a, "iam:") && !startswith(a, "sts:") && !strcontains(a, "*")
        ]
      ]
    ]))
    error_message = "the boundary must allow no IAM or STS action, and no action wildcard"
  }

  assert {
    condition = alltrue(flatten([
      for env in ["dev", "prod"] : [
        for s in data.aws_iam_policy_document.boundary[env].statement : [
          (s.effect == null || s.effect == "Allow") && length(coalesce(s.not_actions, [])) == 0 && length(coalesce(s.not_resources, [])) == 0,
          [for r in s.resources : r != "*"],
        ]
      ]
    ]))
    error_message = "the boundary must be plain allows (no NotAction, no NotResource) on named resources, never \"*\""
  }
}

run "every_resource_is_this_environments" {
  assert {
    condition = alltrue(flatten([
      for env, region in { dev = "eu-west-1", prod = "eu-central-1" } : [
        for s in data.aws_iam_policy_document.boundary[env].statement : [
          for r in s.resources :
          startswith(r, "arn:aws:") && strcontains(r, ":${region}:123456789012:") && (
            strcontains(r, "octo-responder-${env}-") || strcontains(r, "octo-responder-${env}/") || strcontains(r, "parameter/octo-responder/${env}/") ||
            (s.sid == "UseOwnKey" && r == "arn:aws:kms:${region}:123456789012:key/*") ||
            (s.sid == "PublishOwnTopics" && r == "arn:aws:sns:eu-central-1:123456789012:team-pager")
          )
        ]
      ]
    ]))
    error_message = "every boundary resource must be in the environment's region and account and named for the environment (its key by tag, extra topics as given)"
  }

  assert {
    condition = alltrue([
      for env in ["dev", "prod"] :
      [for s in data.aws_iam_policy_document.boundary[env].statement : toset([for c in s.condition : "${c.test}:${c.variable}=${join(",", c.values)}"]) if s.sid == "UseOwnKey"] ==
      [toset(["StringEquals:aws:ResourceTag/Project=octo-responder", "StringEquals:aws:ResourceTag/Environment=${env}"])]
    ])
    error_message = "the boundary's KMS statement must be limited to keys tagged with this project and environment"
  }

  assert {
    condition = alltrue(flatten([
      for s in data.aws_iam_policy_document.boundary["prod"].statement : [for r in s.resources : !strcontains(r, "-dev") && !strcontains(r, "/dev/")]
    ]))
    error_message = "prod's boundary must not reach dev's resources"
  }
}

run "covers_what_the_roles_of_infra_need" {
  assert {
    condition = alltrue([
      for needed in [
        ["logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/octo-responder-dev-*:*"],
        ["sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-*"],
        ["sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:123456789012:octo-responder-dev-*"],
        ["ssm:GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/octo-responder/dev/*"],
        ["kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/*"],
        ["sns:Publish", "arn:aws:sns:eu-west-1:123456789012:octo-responder-dev-*"],
        ["dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/octo-responder-dev-*"],
        ["lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-*:*"],
        ["lambda:UpdateAlias", "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-*"],
        ["cloudwatch:DescribeAlarms", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:octo-responder-dev-*"],
        ["codedeploy:PutLifecycleEventHookExecutionStatus", "arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:octo-responder-dev/*"],
      ] :
      anytrue([for s in data.aws_iam_policy_document.boundary["dev"].statement : contains(s.actions, needed[0]) && contains(s.resources, needed[1])])
    ])
    error_message = "the boundary must still allow what the function, CodeDeploy and schedule roles do (logs, queues, parameters, key, topics, notices, invoke and shift, alarms, hook results)"
  }
}
