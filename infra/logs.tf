# Log groups, created before the functions and the stage so that retention and encryption apply
# from the first line. The functions write to them through logging_config (lambda.tf).
resource "aws_cloudwatch_log_group" "accept_message" {
  # checkov:skip=CKV_AWS_338:Retention is var.log_retention_days (30 by default, 365 in envs/prod.tfvars); these are operational logs without secrets, not an audit trail that must be kept a year.
  name              = "/aws/lambda/${local.accept_message_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_cloudwatch_log_group" "process_message" {
  # checkov:skip=CKV_AWS_338:Retention is var.log_retention_days (30 by default, 365 in envs/prod.tfvars); these are operational logs without secrets, not an audit trail that must be kept a year.
  name              = "/aws/lambda/${local.process_message_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_cloudwatch_log_group" "api_access" {
  # checkov:skip=CKV_AWS_338:Retention is var.log_retention_days (30 by default, 365 in envs/prod.tfvars); access logs hold no payloads or secrets.
  name              = "/aws/apigateway/${local.name_prefix}-webhook"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}
