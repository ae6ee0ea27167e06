# What each function's role may do, on its own resources' ARNs (modules/function adds writing the
# function's own log group, and makes the role assumable by Lambda only). KMS rights are narrowed
# by encryption context: SQS encrypts with aws:sqs:arn = the queue, SSM with PARAMETER_ARN = the
# parameter; the "needs a person" statements (needs_a_person.tf) narrow it to SNS for the topic and
# DynamoDB for the notices table (kms:ViaService).

locals {
  # accept-message: send to the queue, read the webhook token.
  accept_message_statements = [
    {
      sid       = "SendToWorkQueue"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.messages.arn]
    },
    {
      sid        = "EncryptForWorkQueue"
      actions    = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources  = [aws_kms_key.this.arn]
      conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:aws:sqs:arn", values = [aws_sqs_queue.messages.arn] }]
    },
    {
      sid       = "ReadWebhookToken"
      actions   = ["ssm:GetParameter"]
      resources = [aws_ssm_parameter.webhook_token.arn]
    },
    {
      sid        = "DecryptWebhookToken"
      actions    = ["kms:Decrypt"]
      resources  = [aws_kms_key.this.arn]
      conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:PARAMETER_ARN", values = [aws_ssm_parameter.webhook_token.arn] }]
    },
  ]

  # process-message: consume the queue, read the Octopus API key; publish to the "needs a person"
  # topic and record it in the notices table (needs_a_person.tf, when enabled).
  process_message_statements = concat([
    {
      sid       = "ConsumeWorkQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [aws_sqs_queue.messages.arn]
    },
    {
      sid        = "DecryptWorkQueue"
      actions    = ["kms:Decrypt"]
      resources  = [aws_kms_key.this.arn]
      conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:aws:sqs:arn", values = [aws_sqs_queue.messages.arn] }]
    },
    {
      sid       = "ReadOctopusApiKey"
      actions   = ["ssm:GetParameter"]
      resources = [aws_ssm_parameter.octopus_api_key.arn]
    },
    {
      sid        = "DecryptOctopusApiKey"
      actions    = ["kms:Decrypt"]
      resources  = [aws_kms_key.this.arn]
      conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:PARAMETER_ARN", values = [aws_ssm_parameter.octopus_api_key.arn] }]
    },
  ], local.needs_a_person_statements)
  # sweep-interruptions: send to the work queue (as accept-message does), read the Octopus API
  # key, publish to the "needs a person" topic and record it in the notices table (as
  # process-message does). It never receives or deletes messages.
  sweep_interruptions_statements = concat([
    {
      sid       = "SendToWorkQueue"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.messages.arn]
    },
    {
      sid        = "EncryptForWorkQueue"
      actions    = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources  = [aws_kms_key.this.arn]
      conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:aws:sqs:arn", values = [aws_sqs_queue.messages.arn] }]
    },
    {
      sid       = "ReadOctopusApiKey"
      actions   = ["ssm:GetParameter"]
      resources = [aws_ssm_parameter.octopus_api_key.arn]
    },
    {
      sid        = "DecryptOctopusApiKey"
      actions    = ["kms:Decrypt"]
      resources  = [aws_kms_key.this.arn]
      conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:PARAMETER_ARN", values = [aws_ssm_parameter.octopus_api_key.arn] }]
    },
  ], local.needs_a_person_statements)
}
