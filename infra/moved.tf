# Where the functions' resources were before modules/function: `terraform plan` moves them in the
# state instead of destroying and re-creating them (no new function, role or log group, the live
# aliases keep their versions). Keep these blocks while any environment's state may predate the
# module; a state that has been applied since no longer needs them.

moved {
  from = aws_lambda_function.accept_message
  to   = module.accept_message.aws_lambda_function.this
}

moved {
  from = aws_lambda_alias.accept_message
  to   = module.accept_message.aws_lambda_alias.live
}

moved {
  from = aws_cloudwatch_log_group.accept_message
  to   = module.accept_message.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.accept_message
  to   = module.accept_message.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.accept_message
  to   = module.accept_message.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_metric_alarm.accept_message_errors
  to   = module.accept_message.aws_cloudwatch_metric_alarm.errors
}

moved {
  from = aws_lambda_function.process_message
  to   = module.process_message.aws_lambda_function.this
}

moved {
  from = aws_lambda_alias.process_message
  to   = module.process_message.aws_lambda_alias.live
}

moved {
  from = aws_cloudwatch_log_group.process_message
  to   = module.process_message.aws_cloudwatch_log_group.this
}

moved {
  from = aws_iam_role.process_message
  to   = module.process_message.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.process_message
  to   = module.process_message.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_metric_alarm.process_message_errors
  to   = module.process_message.aws_cloudwatch_metric_alarm.errors
}

# CodeDeploy was optional (var.codedeploy_enabled, count = 0 or 1); it is always on now. A state
# applied with it on holds these at [0]; one applied with it off creates them on the next apply.

moved {
  from = aws_codedeploy_app.this[0]
  to   = aws_codedeploy_app.this
}

moved {
  from = aws_iam_role.codedeploy[0]
  to   = aws_iam_role.codedeploy
}

moved {
  from = aws_iam_role_policy.codedeploy[0]
  to   = aws_iam_role_policy.codedeploy
}

# modules/function's alias of a function CodeDeploy shifts is aws_lambda_alias.live[0] now (the
# module moves aws_lambda_alias.live there itself, so the blocks above that move the aliases into
# the module still land on it, chained).
