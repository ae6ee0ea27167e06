# Each environment's plan role: what the plan job of deploy-environment.yml assumes (GitHub
# environment <env>-plan, no reviewer) to run `make plan` with TF_PLAN_LOCK=false. It reads, never
# changes: the state (no lock: the apply takes it), and every resource infra/ refreshes, on this
# environment's names as the deploy role's statements are. Same trust as the deploy role, for the
# subject repo:<owner>/<name>:environment:<env>-plan, so a plan job can never apply.
#
# Two reads are broader than "describe": kms:Decrypt, on this environment's key through SSM only,
# because the provider reads a SecureString parameter decrypted when it refreshes it (the
# write-only value itself is not kept), and on the state key through S3 only, to read the state.

data "aws_iam_policy_document" "plan_trust" {
  for_each = local.environments

  statement {
    sid     = "GitHubPlanJobOfThisEnvironment"
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
      values   = ["${each.value.github_subject}-plan"]
    }

    dynamic "condition" {
      for_each = var.check_job_workflow_ref ? [1] : []
      content {
        test     = "StringLike"
        variable = "${local.github_oidc_host}:job_workflow_ref"
        values   = [for ref in var.deploy_refs : "${var.github_repository}/${var.deploy_workflow_path}@${ref}"]
      }
    }
  }
}

resource "aws_iam_role" "plan" {
  for_each = local.environments

  name                 = "${each.value.name_prefix}-github-plan"
  description          = "GitHub Actions (${var.github_repository}, environment ${each.key}-plan, ${var.deploy_workflow_path}) plans ${each.value.name_prefix}: read only"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust[each.key].json
  max_session_duration = 3600
}

resource "aws_iam_policy" "plan" {
  for_each = local.environments

  name        = "${each.value.name_prefix}-plan-read"
  description = "What ${each.value.name_prefix}-github-plan may do: read ${each.value.name_prefix}'s state and resources (infra/bootstrap/plan_role.tf)"
  policy      = data.aws_iam_policy_document.plan_read[each.key].json
}

resource "aws_iam_role_policy_attachment" "plan" {
  for_each = local.environments

  role       = aws_iam_role.plan[each.key].name
  policy_arn = aws_iam_policy.plan[each.key].arn
}

resource "aws_iam_role_policy_attachments_exclusive" "plan" {
  for_each = local.environments

  role_name   = aws_iam_role.plan[each.key].name
  policy_arns = [aws_iam_policy.plan[each.key].arn]
}

resource "aws_iam_role_policies_exclusive" "plan" {
  for_each = local.environments

  role_name    = aws_iam_role.plan[each.key].name
  policy_names = []
}

data "aws_iam_policy_document" "plan_read" {
  for_each = local.environments

  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = [each.value.state_object_pattern]
  }

  statement {
    sid       = "DecryptState"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.state.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "ReadFunctions"
    actions   = ["lambda:Get*", "lambda:List*"]
    resources = ["${each.value.arn.lambda}:function:${each.value.name_prefix}-*"]
  }

  # Mapping ARNs hold a random UUID: they cannot be named per environment.
  statement {
    sid       = "ReadEventSourceMappings"
    actions   = ["lambda:GetEventSourceMapping", "lambda:ListTags"]
    resources = ["${each.value.arn.lambda}:event-source-mapping:*"]
  }

  statement {
    sid       = "ReadRoles"
    actions   = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies"]
    resources = local.managed_role_arns[each.key]
  }

  statement {
    sid       = "ReadQueues"
    actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"]
    resources = ["${each.value.arn.sqs}:${each.value.name_prefix}-*"]
  }

  statement {
    sid       = "ReadParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"]
    resources = ["${each.value.arn.ssm}:parameter/${var.project_name}/${each.key}/*"]
  }

  # Read-only actions that take no resource ARN.
  statement {
    sid       = "DescribeParameters"
    actions   = ["ssm:DescribeParameters", "kms:ListAliases"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadTaggedKey"
    actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
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

  statement {
    sid       = "DecryptParametersOnRefresh"
    actions   = ["kms:Decrypt"]
    resources = ["${each.value.arn.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${each.value.region}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid     = "ReadHttpApis"
    actions = ["apigateway:GET"]
    resources = [
      "arn:${local.partition}:apigateway:${each.value.region}::/apis",
      "arn:${local.partition}:apigateway:${each.value.region}::/apis/*",
      "arn:${local.partition}:apigateway:${each.value.region}::/tags/*",
    ]
  }

  statement {
    sid     = "ReadLogGroups"
    actions = ["logs:ListTagsForResource", "logs:ListTagsLogGroup"]
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
    sid       = "ReadAlarms"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
    resources = ["${each.value.arn.cloudwatch}:alarm:${each.value.name_prefix}-*"]
  }

  statement {
    sid       = "ReadDashboard"
    actions   = ["cloudwatch:GetDashboard"]
    resources = ["arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${each.value.name_prefix}"]
  }

  statement {
    sid       = "ReadTopics"
    actions   = ["sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"]
    resources = ["${each.value.arn.sns}:${each.value.name_prefix}-*"]
  }

  statement {
    sid = "ReadNoticesTable"
    actions = [
      "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive",
      "dynamodb:ListTagsOfResource",
    ]
    resources = ["${each.value.arn.dynamodb}:table/${each.value.name_prefix}-notices"]
  }

  statement {
    sid     = "ReadCodeDeploy"
    actions = ["codedeploy:BatchGet*", "codedeploy:Get*", "codedeploy:List*"]
    resources = [
      "${each.value.arn.codedeploy}:application:${each.value.name_prefix}",
      "${each.value.arn.codedeploy}:deploymentgroup:${each.value.name_prefix}/*",
      "${each.value.arn.codedeploy}:deploymentconfig:*",
    ]
  }

  statement {
    sid       = "ReadSweepSchedule"
    actions   = ["scheduler:GetSchedule", "scheduler:GetScheduleGroup", "scheduler:ListTagsForResource"]
    resources = ["${each.value.arn.scheduler}:schedule-group/${each.value.name_prefix}", "${each.value.arn.scheduler}:schedule/${each.value.name_prefix}/*"]
  }
}
