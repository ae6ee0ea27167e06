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

  # canary-check (CodeDeploy's lifecycle hook, lambda.tf): read the deployment it is called for and
  # report the hook's result, in this application's deployment groups only; invoke the versions
  # (and alias) of the functions CodeDeploy shifts, never the unqualified function; read the webhook
  # token to sign the test webhook it sends accept-message.
  canary_check_statements = [
    {
      sid = "ReportLifecycleHook"
      actions = [
        "codedeploy:ListDeploymentTargets",
        "codedeploy:GetDeploymentTarget",
        "codedeploy:GetDeployment",
        "codedeploy:PutLifecycleEventHookExecutionStatus",
      ]
      resources = ["arn:${local.partition}:codedeploy:${local.region}:${local.account_id}:deploymentgroup:${aws_codedeploy_app.this.name}/*"]
    },
    {
      sid       = "InvokeShiftedVersions"
      actions   = ["lambda:InvokeFunction"]
      resources = [for fn in values(local.functions) : "${fn.function.arn}:*"]
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
}
