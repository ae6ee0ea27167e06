# What each environment's deploy role may do: what `make plan`, `make deploy` (the apply, then the
# CodeDeploy traffic shift) and `make smoke` need for infra/, each statement on this environment's
# names (<project>-<env>-*) wherever the service allows it, never on another environment's:
#   state        the S3 objects under <project>/<env>/ (state and its lock file), the state key
#                through S3 only
#   lambda       the functions (canary-check included), versions, aliases, permissions, event
#                source mapping and the sweep's asynchronous invoke settings
#   iam          the function roles, CodeDeploy's role and the sweep schedule's role: created,
#                given policies or a boundary only with this environment's permissions boundary
#                (boundary.tf), and passed only to their own service
#   sqs, ssm     the queues; the two SecureString parameters
#   secretsmanager  GetRandomPassword only: `make rotate-webhook-secret` run with this role
#   scheduler    the sweep's schedule and its schedule group
#   kms          create a key tagged with this project and environment, then manage only such keys
#                (and let DynamoDB create its grant on one for the notices table)
#   logs, cloudwatch, sns   the log groups, alarms, dashboard, the alarm and "needs a person" topics
#   dynamodb     the "needs a person" notices table
#   apigateway   HTTP APIs in this region (API ids are random: they cannot be named in advance)
#   codedeploy   this environment's application and deployment groups, deployments (and stopping
#                one: scripts/shift-traffic.sh stops a deployment that takes too long)
# "*" only where the action takes no resource ARN: EventSourceMappingCreate (narrowed by function
# ARN), DescribeParameters (ssm:DescribeParameters, kms:ListAliases), CreateTaggedKey (narrowed
# by request tags), AccessLogDelivery (API Gateway access logging) and RandomPassword.
#
# deploy-guardrails denies what would let the role grant itself more, whatever the allows say:
# removing a boundary, changing a boundary or deploy policy, touching any deploy role (its own
# included) or plan role, or the GitHub OIDC provider. Changes to this file are an administrator's apply of infra/bootstrap.

# ---- Part 1: state, functions, roles ------------------------------------------------------------

data "aws_iam_policy_document" "deploy_core" {
  for_each = local.environments

  statement {
    sid     = "StateBucket"
    actions = ["s3:ListBucket"]
    # Not narrowed by s3:prefix: terraform init lists the workspaces (prefix env:/) too. It lists
    # key names; reading any object needs StateObjects.
    resources = [local.state_bucket_arn]
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [each.value.state_object_pattern]
  }

  statement {
    sid       = "StateEncryption"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
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
    resources = ["${each.value.arn.lambda}:function:${each.value.name_prefix}-*"]
  }

  # CreateEventSourceMapping takes no resource ARN: narrowed to mappings onto these functions.
  statement {
    sid       = "EventSourceMappingCreate"
    actions   = ["lambda:CreateEventSourceMapping"]
    resources = ["*"]

    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = ["${each.value.arn.lambda}:function:${each.value.name_prefix}-*"]
    }
  }

  # Mapping ARNs hold a random UUID: they cannot be named per environment. Reading and tagging
  # any mapping of the region is allowed; changing or deleting one only when it invokes one of
  # this environment's functions (lambda:FunctionArn), so dev's role cannot touch prod's mapping.
  statement {
    sid       = "EventSourceMappings"
    actions   = ["lambda:GetEventSourceMapping", "lambda:ListTags", "lambda:TagResource", "lambda:UntagResource"]
    resources = ["${each.value.arn.lambda}:event-source-mapping:*"]
  }

  statement {
    sid       = "EventSourceMappingChange"
    actions   = ["lambda:DeleteEventSourceMapping", "lambda:UpdateEventSourceMapping"]
    resources = ["${each.value.arn.lambda}:event-source-mapping:*"]

    condition {
      test     = "ArnLike"
      variable = "lambda:FunctionArn"
      values   = ["${each.value.arn.lambda}:function:${each.value.name_prefix}-*"]
    }
  }

  # Create a role, give it an inline policy (or take one away), or set its boundary: only with this
  # environment's boundary on the role, so no policy the role is given can reach past it.
  statement {
    sid       = "BoundedRoles"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"]
    resources = local.managed_role_arns[each.key]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary[each.key].arn]
    }
  }

  statement {
    sid = "ManagedRoles"
    actions = [
      "iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:TagRole", "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
    ]
    resources = local.managed_role_arns[each.key]
  }

  statement {
    sid       = "PassFunctionRoles"
    actions   = ["iam:PassRole"]
    resources = each.value.function_role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  statement {
    sid       = "PassCodeDeployRole"
    actions   = ["iam:PassRole"]
    resources = [each.value.codedeploy_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["codedeploy.amazonaws.com"]
    }
  }

  statement {
    sid       = "PassSchedulerRole"
    actions   = ["iam:PassRole"]
    resources = [each.value.scheduler_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["scheduler.amazonaws.com"]
    }
  }
}

# ---- Part 2: queues, parameters, keys -----------------------------------------------------------

data "aws_iam_policy_document" "deploy_data" {
  for_each = local.environments

  statement {
    sid       = "Queues"
    actions   = ["sqs:*"]
    resources = ["${each.value.arn.sqs}:${each.value.name_prefix}-messages*", "${each.value.arn.sqs}:${each.value.name_prefix}-sweep-dlq"]
  }

  statement {
    sid = "Parameters"
    actions = [
      "ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters",
      "ssm:ListTagsForResource", "ssm:PutParameter", "ssm:RemoveTagsFromResource",
    ]
    resources = ["${each.value.arn.ssm}:parameter/${var.project_name}/${each.key}/*"]
  }

  # Read-only actions that take no resource ARN (Terraform reads the parameters and alias back).
  statement {
    sid       = "DescribeParameters"
    actions   = ["ssm:DescribeParameters", "kms:ListAliases"]
    resources = ["*"]
  }

  # GetRandomPassword takes no resource ARN and touches no secret: it returns random characters
  # (a new webhook secret for `make rotate-webhook-secret`, scripts/secrets.sh, when an operator
  # runs it with this role; Terraform itself generates the first one, infra/ssm.tf).
  statement {
    sid       = "RandomPassword"
    actions   = ["secretsmanager:GetRandomPassword"]
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
      values   = [each.key]
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
    resources = ["${each.value.arn.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Project"
      values   = [var.project_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  # A table encrypted with a customer managed key: DynamoDB creates a grant on the key for the
  # table on behalf of whoever creates it (and retires it itself when the table is deleted).
  statement {
    sid       = "KeyGrantForNoticesTable"
    actions   = ["kms:CreateGrant"]
    resources = ["${each.value.arn.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${each.value.region}.amazonaws.com"]
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
      values   = [each.key]
    }
  }

  statement {
    sid       = "KeyAlias"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["${each.value.arn.kms}:alias/${each.value.name_prefix}"]
  }
}

# ---- Part 3: API, logs, alarms, topic, table, CodeDeploy, schedule -------------------------------

data "aws_iam_policy_document" "deploy_edge" {
  for_each = local.environments

  statement {
    sid     = "HttpApis"
    actions = ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"]
    resources = [
      "arn:${local.partition}:apigateway:${each.value.region}::/apis",
      "arn:${local.partition}:apigateway:${each.value.region}::/apis/*",
      "arn:${local.partition}:apigateway:${each.value.region}::/tags/*",
    ]
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
      "${each.value.arn.logs}:log-group:/aws/lambda/${each.value.name_prefix}-*",
      "${each.value.arn.logs}:log-group:/aws/apigateway/${each.value.name_prefix}-*",
    ]
  }

  statement {
    sid       = "DescribeLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["${each.value.arn.logs}:log-group:*"]
  }

  statement {
    sid = "Alarms"
    actions = [
      "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource",
      "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource",
    ]
    resources = ["${each.value.arn.cloudwatch}:alarm:${each.value.name_prefix}-*"]
  }

  statement {
    sid       = "Dashboard"
    actions   = ["cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:PutDashboard"]
    resources = ["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${each.value.name_prefix}"]
  }

  statement {
    sid = "AlarmTopic"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes",
      "sns:ListTagsForResource", "sns:SetSubscriptionAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
      "sns:TagResource", "sns:Unsubscribe", "sns:UntagResource",
    ]
    resources = ["${each.value.arn.sns}:${each.value.name_prefix}-*"]
  }

  statement {
    sid = "NoticesTable"
    actions = [
      "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable",
      "dynamodb:DescribeTimeToLive", "dynamodb:UpdateTimeToLive", "dynamodb:DescribeContinuousBackups",
      "dynamodb:UpdateContinuousBackups", "dynamodb:ListTagsOfResource", "dynamodb:TagResource",
      "dynamodb:UntagResource",
    ]
    resources = ["${each.value.arn.dynamodb}:table/${each.value.name_prefix}-notices"]
  }

  # The application, its deployment groups and their deployments (codedeploy:* includes
  # CreateDeployment, GetDeployment and StopDeployment, whose resource is the deployment group).
  statement {
    sid     = "CodeDeploy"
    actions = ["codedeploy:*"]
    resources = [
      "${each.value.arn.codedeploy}:application:${each.value.name_prefix}",
      "${each.value.arn.codedeploy}:deploymentgroup:${each.value.name_prefix}/*",
    ]
  }

  statement {
    sid       = "CodeDeployConfigs"
    actions   = ["codedeploy:GetDeploymentConfig"]
    resources = ["${each.value.arn.codedeploy}:deploymentconfig:*"]
  }

  statement {
    sid = "SweepSchedule"
    actions = [
      "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule",
      "scheduler:CreateScheduleGroup", "scheduler:DeleteScheduleGroup", "scheduler:GetScheduleGroup",
      "scheduler:ListTagsForResource", "scheduler:TagResource", "scheduler:UntagResource",
    ]
    resources = [
      "${each.value.arn.scheduler}:schedule-group/${each.value.name_prefix}",
      "${each.value.arn.scheduler}:schedule/${each.value.name_prefix}/*",
    ]
  }
}

# ---- Part 4: what no allow can override ----------------------------------------------------------

data "aws_iam_policy_document" "deploy_guardrails" {
  for_each = local.environments

  # A role keeps the boundary it was created with.
  statement {
    sid       = "DenyBoundaryRemoval"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["${local.iam_arn_prefix}:role/*"]
  }

  # No environment's boundary, nor any deploy or plan role's policy, can be rewritten (a new
  # default version) or deleted.
  statement {
    sid       = "DenyPolicyChanges"
    effect    = "Deny"
    actions   = ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]
    resources = [local.all_boundaries_arn, local.all_deploy_policies_arn, local.all_plan_policies_arn]
  }

  # Not its own role, nor another environment's, nor a plan role: no policy, trust or boundary
  # change, no deletion.
  statement {
    sid       = "DenyDeployRoles"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = [local.all_deploy_roles_arn, local.all_plan_roles_arn]
  }

  statement {
    sid    = "DenyGitHubTrustChanges"
    effect = "Deny"
    actions = [
      "iam:AddClientIDToOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
      "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider",
      "iam:UntagOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
    ]
    resources = [local.github_oidc_provider_arn]
  }
}
