# Whole objects, so that the root and its tests read any attribute (terraform test cannot reach
# into a module's resources otherwise).

output "function" {
  description = "The aws_lambda_function."
  value       = aws_lambda_function.this
}

output "alias" {
  description = "The live aws_lambda_alias (whichever variant var.shifted_by_codedeploy chose)."
  value       = one(concat(aws_lambda_alias.live, aws_lambda_alias.live_by_terraform))
}

output "log_group" {
  description = "The function's aws_cloudwatch_log_group."
  value       = aws_cloudwatch_log_group.this
}

output "role" {
  description = "The function's aws_iam_role."
  value       = aws_iam_role.this
}

output "role_policy" {
  description = "The role's inline aws_iam_role_policy."
  value       = aws_iam_role_policy.this
}

output "policy_document" {
  description = "The aws_iam_policy_document of the role's inline policy (the given statements plus WriteOwnLogs)."
  value       = data.aws_iam_policy_document.this
}

output "assume_role_policy_document" {
  description = "The aws_iam_policy_document the role trusts: the Lambda service only."
  value       = data.aws_iam_policy_document.assume_role
}

output "errors_alarm" {
  description = "The function's Errors aws_cloudwatch_metric_alarm (5-minute periods; it pages a person)."
  value       = aws_cloudwatch_metric_alarm.errors
}
