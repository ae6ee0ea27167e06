# One role per function, each allowed only what its function does, on its own resources' ARNs.
# KMS rights are narrowed by encryption context: SQS encrypts with aws:sqs:arn = the queue, SSM
# with PARAMETER_ARN = the parameter.

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# ---- accept-message: send to the queue, read the webhook token ----------------------------------

resource "aws_iam_role" "accept_message" {
  name               = "${local.accept_message_name}-role"
  description        = "accept-message: sends to the work queue, reads the webhook token"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "accept_message" {
  statement {
    sid       = "SendToWorkQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.messages.arn]
  }

  statement {
    sid       = "EncryptForWorkQueue"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sqs:arn"
      values   = [aws_sqs_queue.messages.arn]
    }
  }

  statement {
    sid       = "ReadWebhookToken"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.webhook_token.arn]
  }

  statement {
    sid       = "DecryptWebhookToken"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = [aws_ssm_parameter.webhook_token.arn]
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.accept_message.arn}:*"]
  }
}

resource "aws_iam_role_policy" "accept_message" {
  name   = "accept-message"
  role   = aws_iam_role.accept_message.id
  policy = data.aws_iam_policy_document.accept_message.json
}

# ---- process-message: consume the queue, read the Octopus API key -------------------------------

resource "aws_iam_role" "process_message" {
  name               = "${local.process_message_name}-role"
  description        = "process-message: consumes the work queue, reads the Octopus API key"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "process_message" {
  statement {
    sid       = "ConsumeWorkQueue"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.messages.arn]
  }

  statement {
    sid       = "DecryptWorkQueue"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sqs:arn"
      values   = [aws_sqs_queue.messages.arn]
    }
  }

  statement {
    sid       = "ReadOctopusApiKey"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.octopus_api_key.arn]
  }

  statement {
    sid       = "DecryptOctopusApiKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = [aws_ssm_parameter.octopus_api_key.arn]
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.process_message.arn}:*"]
  }
}

resource "aws_iam_role_policy" "process_message" {
  name   = "process-message"
  role   = aws_iam_role.process_message.id
  policy = data.aws_iam_policy_document.process_message.json
}
