# The role GitHub Actions assumes to deploy this environment (optional: only when
# var.github_repository is set). No long-lived keys: the deploy workflow presents GitHub's OIDC
# token, and the trust policy accepts it only for this repository's GitHub environment named like
# var.environment (subject repo:<owner>/<name>:environment:<env>) and the audience
# sts.amazonaws.com that aws-actions/configure-aws-credentials requests.
#
# Its permissions are what `make plan`, `make deploy` and `make smoke` need for this module, each
# statement on this environment's names (<project>-<env>-*) wherever the service allows it:
#   state        the S3 objects under <project>/<env>/ (state and its lock file)
#   lambda       the functions, their versions, aliases, permissions, event source mapping and
#                the sweep's asynchronous invoke settings
#   iam          the function roles, CodeDeploy's role and the sweep schedule's role (create,
#                policies, pass to their service)
#   sqs, ssm     the queues; the two SecureString parameters (and the key that encrypts them)
#   scheduler    the sweep's schedule and its schedule group
#   kms          create a key tagged with this project and environment, then manage only such keys
#                (and let DynamoDB create its grant on one for the notices table)
#   logs, cloudwatch, sns   the log groups, alarms, the alarm and "needs a person" topics
#   dynamodb     the "needs a person" notices table
#   apigateway   HTTP APIs in this region (API ids are random: they cannot be named in advance)
#   codedeploy   this environment's application and deployment groups, deployments
# It may read, never change, itself and the OIDC provider: a change to this file is applied by an
# administrator (as is the first apply, which creates the role).
#
# Whoever can run this Terraform can give the function roles any permission and run code under
# them; protect the GitHub environments (required reviewers on staging and prod) accordingly.

locals {
  github_oidc_enabled = var.github_repository != null && var.github_repository != ""
  github_oidc_count   = local.github_oidc_enabled ? 1 : 0
  github_oidc_host    = "token.actions.githubusercontent.com"

  github_oidc_provider_arn = coalesce(var.github_oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn), "none")

  # The one subject the deploy role trusts: a job of this repository running in the GitHub
  # environment named like this Terraform environment.
  github_oidc_subject = "repo:${coalesce(var.github_repository, "none")}:environment:${var.environment}"

  github_deploy_role_name = "${local.name_prefix}-github-deploy"

  # ARN prefix of each regional service in this account: arn:<partition>:<service>:<region>:<account>.
  service_arn_prefix = { for service in ["cloudwatch", "codedeploy", "kms", "lambda", "logs", "scheduler", "sns", "sqs", "ssm"] :
    service => "arn:${local.partition}:${service}:${local.region}:${local.account_id}"
  }
  # Roles passed to Lambda or CodeDeploy, and the one passed to EventBridge Scheduler.
  passed_role_arns = [
    "arn:${local.partition}:iam::${local.account_id}:role/${local.accept_message_name}-role",
    "arn:${local.partition}:iam::${local.account_id}:role/${local.process_message_name}-role",
    "arn:${local.partition}:iam::${local.account_id}:role/${local.sweep_interruptions_name}-role",
    "arn:${local.partition}:iam::${local.account_id}:role/${local.name_prefix}-codedeploy",
  ]
  scheduler_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${local.name_prefix}-sweep-scheduler"
  managed_role_arns  = concat(local.passed_role_arns, [local.scheduler_role_arn])
}

resource "aws_iam_openid_connect_provider" "github" {
  count = local.github_oidc_enabled && var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  # No thumbprint_list: IAM trusts GitHub's certificate through its own CA library.
}

data "aws_iam_policy_document" "github_deploy_trust" {
  count = local.github_oidc_count

  statement {
    sid     = "GitHubDeployWorkflowOfThisEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values   = [local.github_oidc_subject]
    }
  }
}

resource "aws_iam_role" "github_deploy" {
  count = local.github_oidc_count

  name                 = local.github_deploy_role_name
  description          = "GitHub Actions (${var.github_repository}, environment ${var.environment}) deploys ${local.name_prefix}"
  assume_role_policy   = data.aws_iam_policy_document.github_deploy_trust[0].json
  max_session_duration = 3600
}

# ---- What the deploy needs, part 1: state, functions, roles, queues, parameters, keys -------------

data "aws_iam_policy_document" "github_deploy_core" {
  count = local.github_oidc_count

  statement {
    sid     = "StateBucket"
    actions = ["s3:ListBucket"]
    # Not narrowed by s3:prefix: terraform init lists the workspaces (prefix env:/) too.
    resources = ["arn:${local.partition}:s3:::${coalesce(var.terraform_state_bucket, "none")}"]
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:${local.partition}:s3:::${coalesce(var.terraform_state_bucket, "none")}/${var.project_name}/${var.environment}/*"]
  }

  dynamic "statement" {
    for_each = var.terraform_state_kms_key_arn == null ? [] : [var.terraform_state_kms_key_arn]
    content {
      sid       = "StateEncryption"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  statement {
    sid = "Functions"
    actions = [
      "lambda:AddPermission", "lambda:CreateAlias", "lambda:CreateFunction", "lambda:DeleteAlias",
      "lambda:DeleteFunction", "lambda:DeleteFunctionConcurrency", "lambda:Get*", "lambda:List*",
      "lambda:PublishVersion", "lambda:PutFunctionConcurrency", "lambda:RemovePermission",
      "lambda:TagResource", "lambda:UntagResource", "lambda:UpdateAlias", "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionEventInvokeConfig",
      "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig",
    ]
    resources = ["${local.service_arn_prefix.lambda}:function:${local.name_prefix}-*"]
  }

  # CreateEventSourceMapping takes no resource ARN: narrowed to mappings onto these functions.
  statement {
    sid       = "EventSourceMappingCreate"
    actions   = ["lambda:CreateEventSourceMapping"]
    resources = ["*"]

    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = ["${local.service_arn_prefix.lambda}:function:${local.name_prefix}-*"]
    }
  }

  statement {
    sid = "EventSourceMappings"
    actions = [
      "lambda:DeleteEventSourceMapping", "lambda:GetEventSourceMapping", "lambda:ListTags",
      "lambda:TagResource", "lambda:UntagResource", "lambda:UpdateEventSourceMapping",
    ]
    resources = ["${local.service_arn_prefix.lambda}:event-source-mapping:*"]
  }

  statement {
    sid = "ManagedRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:GetRole", "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies",
      "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole", "iam:UpdateRoleDescription",
    ]
    resources = local.managed_role_arns
  }

  statement {
    sid       = "PassManagedRoles"
    actions   = ["iam:PassRole"]
    resources = local.passed_role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com", "codedeploy.amazonaws.com"]
    }
  }

  statement {
    sid       = "PassSchedulerRole"
    actions   = ["iam:PassRole"]
    resources = [local.scheduler_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["scheduler.amazonaws.com"]
    }
  }

  statement {
    sid       = "ReadOwnRoleAndProvider"
    actions   = ["iam:GetOpenIDConnectProvider", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${local.github_deploy_role_name}", local.github_oidc_provider_arn]
  }

  statement {
    sid       = "Queues"
    actions   = ["sqs:*"]
    resources = ["${local.service_arn_prefix.sqs}:${local.name_prefix}-messages*", "${local.service_arn_prefix.sqs}:${local.name_prefix}-sweep-dlq"]
  }

  statement {
    sid = "Parameters"
    actions = [
      "ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters",
      "ssm:ListTagsForResource", "ssm:PutParameter", "ssm:RemoveTagsFromResource",
    ]
    resources = ["${local.service_arn_prefix.ssm}:parameter/${var.project_name}/${var.environment}/*"]
  }

  # Read-only actions that take no resource ARN (Terraform reads the parameters and alias back).
  statement {
    sid       = "DescribeParameters"
    actions   = ["ssm:DescribeParameters", "kms:ListAliases"]
    resources = ["*"]
  }

  # CreateKey takes no resource ARN: only a key tagged with this project and environment, which
  # is then the only kind of key the next statement lets the role manage.
  statement {
    sid       = "CreateTaggedKey"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Project"
      values   = [var.project_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [var.environment]
    }
  }

  statement {
    sid = "ManageTaggedKey"
    actions = [
      "kms:Decrypt", "kms:DescribeKey", "kms:EnableKeyRotation", "kms:Encrypt", "kms:GenerateDataKey",
      "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:PutKeyPolicy",
      "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription",
      "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
    ]
    resources = ["${local.service_arn_prefix.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [var.environment]
    }
  }

  # A table encrypted with a customer managed key: DynamoDB creates a grant on the key for the
  # table on behalf of whoever creates it (and retires it itself when the table is deleted).
  statement {
    sid       = "KeyGrantForNoticesTable"
    actions   = ["kms:CreateGrant"]
    resources = ["${local.service_arn_prefix.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [var.environment]
    }
  }

  statement {
    sid       = "KeyAlias"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["${local.service_arn_prefix.kms}:alias/${local.name_prefix}"]
  }
}

resource "aws_iam_role_policy" "github_deploy_core" {
  count = local.github_oidc_count

  name   = "deploy-core"
  role   = aws_iam_role.github_deploy[0].id
  policy = data.aws_iam_policy_document.github_deploy_core[0].json
}

# ---- What the deploy needs, part 2: API, logs, alarms, topic, table, CodeDeploy, schedule ---------

data "aws_iam_policy_document" "github_deploy_edge" {
  count = local.github_oidc_count

  statement {
    sid       = "HttpApis"
    actions   = ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"]
    resources = ["arn:${local.partition}:apigateway:${local.region}::/apis", "arn:${local.partition}:apigateway:${local.region}::/apis/*", "arn:${local.partition}:apigateway:${local.region}::/tags/*"]
  }

  # What API Gateway access logging needs from its caller; these actions take no resource ARN.
  statement {
    sid = "AccessLogDelivery"
    actions = [
      "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeResourcePolicies", "logs:GetLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
    ]
    resources = ["*"]
  }

  statement {
    sid = "LogGroups"
    actions = [
      "logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy",
      "logs:DisassociateKmsKey", "logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:PutRetentionPolicy",
      "logs:TagLogGroup", "logs:TagResource", "logs:UntagLogGroup", "logs:UntagResource",
    ]
    resources = [
      "${local.service_arn_prefix.logs}:log-group:/aws/lambda/${local.name_prefix}-*",
      "${local.service_arn_prefix.logs}:log-group:/aws/apigateway/${local.name_prefix}-*",
    ]
  }

  statement {
    sid       = "DescribeLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["${local.service_arn_prefix.logs}:log-group:*"]
  }

  statement {
    sid = "Alarms"
    actions = [
      "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource",
      "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource",
    ]
    resources = ["${local.service_arn_prefix.cloudwatch}:alarm:${local.name_prefix}-*"]
  }

  statement {
    sid       = "Dashboard"
    actions   = ["cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:PutDashboard"]
    resources = ["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${local.name_prefix}"]
  }

  statement {
    sid = "AlarmTopic"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes",
      "sns:ListTagsForResource", "sns:SetSubscriptionAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
      "sns:TagResource", "sns:Unsubscribe", "sns:UntagResource",
    ]
    resources = ["${local.service_arn_prefix.sns}:${local.name_prefix}-*"]
  }

  statement {
    sid = "NoticesTable"
    actions = [
      "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable",
      "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive", "dynamodb:DescribeContinuousBackups",
      "dynamodb:UpdateContinuousBackups", "dynamodb:ListTagsOfResource", "dynamodb:TagResource",
      "dynamodb:UntagResource",
    ]
    resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.name_prefix}-notices"]
  }

  statement {
    sid     = "CodeDeploy"
    actions = ["codedeploy:*"]
    resources = [
      "${local.service_arn_prefix.codedeploy}:application:${local.name_prefix}",
      "${local.service_arn_prefix.codedeploy}:deploymentgroup:${local.name_prefix}/*",
    ]
  }

  statement {
    sid       = "CodeDeployConfigs"
    actions   = ["codedeploy:GetDeploymentConfig"]
    resources = ["${local.service_arn_prefix.codedeploy}:deploymentconfig:*"]
  }

  statement {
    sid = "SweepSchedule"
    actions = [
      "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule",
      "scheduler:CreateScheduleGroup", "scheduler:DeleteScheduleGroup", "scheduler:GetScheduleGroup",
      "scheduler:ListTagsForResource", "scheduler:TagResource", "scheduler:UntagResource",
    ]
    resources = [
      "${local.service_arn_prefix.scheduler}:schedule-group/${local.name_prefix}",
      "${local.service_arn_prefix.scheduler}:schedule/${local.name_prefix}/*",
    ]
  }
}

resource "aws_iam_role_policy" "github_deploy_edge" {
  count = local.github_oidc_count

  name   = "deploy-edge"
  role   = aws_iam_role.github_deploy[0].id
  policy = data.aws_iam_policy_document.github_deploy_edge[0].json
}
