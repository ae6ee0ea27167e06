# Each environment's permissions boundary: the most any role its deploy role creates may ever do,
# whatever inline policy the role is given (the deploy role may create a role, or give one a
# policy, only with this boundary on it: deploy_policy.tf). It is what infra/'s roles need at most,
# on this environment's resources only, and nothing in IAM or STS:
#   function roles   write their log groups; send, receive and delete on the queues; read the two
#                    parameters; use the environment's key; publish to its topics; record notices
#   canary-check     invoke the shifted functions' versions; report CodeDeploy hook results
#   CodeDeploy role  move the live aliases, read the rollback alarms, invoke the canary-check hook
#   schedule role    invoke the sweep's alias, send to the sweep's dead-letter queue
# The inline policies in infra/ stay narrower (one queue, one parameter, an encryption context);
# this only caps what a changed infra/ could hand out through the deploy role.
resource "aws_iam_policy" "boundary" {
  for_each = local.environments

  name        = each.value.boundary_name
  description = "Permissions boundary of every role ${each.value.name_prefix}'s deploy role creates: ${each.value.name_prefix}'s resources only, nothing in IAM"
  policy      = data.aws_iam_policy_document.boundary[each.key].json
}

data "aws_iam_policy_document" "boundary" {
  for_each = local.environments

  statement {
    sid     = "WriteOwnLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "${each.value.arn.logs}:log-group:/aws/lambda/${each.value.name_prefix}-*",
      "${each.value.arn.logs}:log-group:/aws/lambda/${each.value.name_prefix}-*:*",
    ]
  }

  statement {
    sid = "UseOwnQueues"
    actions = [
      "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
      "sqs:ReceiveMessage", "sqs:SendMessage",
    ]
    resources = ["${each.value.arn.sqs}:${each.value.name_prefix}-*"]
  }

  statement {
    sid       = "ReadOwnParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["${each.value.arn.ssm}:parameter/${var.project_name}/${each.key}/*"]
  }

  # The environment's key has a random id: named by its tags, as the deploy role's ManageTaggedKey.
  statement {
    sid       = "UseOwnKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
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
    sid       = "PublishOwnTopics"
    actions   = ["sns:Publish"]
    resources = concat(["${each.value.arn.sns}:${each.value.name_prefix}-*"], each.value.publish_topic_arns)
  }

  statement {
    sid = "RecordOwnNotices"
    actions = [
      "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = ["${each.value.arn.dynamodb}:table/${each.value.name_prefix}-*"]
  }

  statement {
    sid = "InvokeAndShiftOwnFunctions"
    actions = [
      "lambda:GetAlias", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
      "lambda:GetProvisionedConcurrencyConfig", "lambda:InvokeFunction", "lambda:UpdateAlias",
    ]
    resources = [
      "${each.value.arn.lambda}:function:${each.value.name_prefix}-*",
      "${each.value.arn.lambda}:function:${each.value.name_prefix}-*:*",
    ]
  }

  statement {
    sid       = "ReadOwnAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["${each.value.arn.cloudwatch}:alarm:${each.value.name_prefix}-*"]
  }

  statement {
    sid = "ReportOwnDeploymentHooks"
    actions = [
      "codedeploy:GetDeployment", "codedeploy:GetDeploymentTarget", "codedeploy:ListDeploymentTargets",
      "codedeploy:PutLifecycleEventHookExecutionStatus",
    ]
    resources = ["${each.value.arn.codedeploy}:deploymentgroup:${each.value.name_prefix}/*"]
  }
}
