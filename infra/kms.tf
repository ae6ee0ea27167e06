# One customer managed key for the responder's data at rest: the queues, the SSM SecureStrings,
# the log groups, the alarm topic, the "needs a person" topic and its notices table. The functions
# get decrypt rights only through their roles, narrowed by encryption context to their own queue
# and parameter, and to SNS for the "needs a person" topic and DynamoDB for the notices table
# (iam.tf, needs_a_person.tf): the account statement below lets IAM grant that, so the topic's
# publishers and the table's writers need no statement here. DynamoDB's own use of the key (the
# table key, background tasks) goes through the grant it creates on behalf of whoever creates the
# table, which the same account statement lets IAM allow (kms:CreateGrant, infra/bootstrap/deploy_policy.tf).
resource "aws_kms_key" "this" {
  description             = "${local.name_prefix}: queues, secrets, logs and alarms of octo-responder"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name_prefix}"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_109:A key policy's Resource "*" is this key only; the account statement is AWS's default key policy, which lets IAM policies (not this document) grant access and keeps the key manageable.
  # checkov:skip=CKV_AWS_111:Same as CKV_AWS_109: in a key policy "*" means this key, and write access is delegated to IAM in the account.
  # checkov:skip=CKV_AWS_356:Same as CKV_AWS_109: a key policy cannot name its own key ARN, "*" is the documented form.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsOurLogGroups"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:DescribeKey",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${local.name_prefix}-*",
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/${local.name_prefix}-*",
      ]
    }
  }

  # Alarms publish to the encrypted topic; only needed when the topic exists.
  dynamic "statement" {
    for_each = var.alarm_email == null ? [] : [1]
    content {
      sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["cloudwatch.amazonaws.com"]
      }
    }
  }
}
