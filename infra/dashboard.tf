# The dashboard a person opens first: <prefix> in CloudWatch. Webhooks by status, answers by
# action, interruptions left to a person by reason, budgets spent, people told, what the sweep
# found, records failed by cause, the queues (dead letters, oldest message) and each function's
# errors and duration per version behind `live` (so a canary's new version shows apart from the
# old). The responder's own metrics (namespace OctoResponder, EMF lines written by the functions)
# are found by SEARCH on this environment's `Environment` dimension, so a reason or cause that
# appears later needs no change here.

locals {
  dashboard_period = 300

  # The functions shown per version: the sweep only when it exists.
  dashboard_functions = concat(
    [module.accept_message.function.function_name, module.process_message.function.function_name],
    [for sweep in module.sweep_interruptions : sweep.function.function_name],
  )

  # SEARCH over OctoResponder metric `name` split by `dimension` (or none), this environment only.
  dashboard_search = {
    for key, spec in {
      submitted     = ["Submitted", "Action"]
      skipped       = ["Skipped", "Reason"]
      failed        = ["Failed", "Cause"]
      notices_fail  = ["NoticesFailed", "Cause"]
      not_enqueued  = ["NotEnqueued", "Reason"]
      budget_spent  = ["BudgetSpent", ""]
      people_told   = ["PeopleTold", ""]
      enqueued      = ["Enqueued", ""]
      conflicts     = ["Conflicts", ""]
      answered_else = ["AnsweredElsewhere", ""]
      } : key => format(
      "SEARCH('{%s} MetricName=\"%s\" Environment=\"%s\"', 'Sum', %d)",
      join(",", compact(["OctoResponder", "Environment", spec[1]])),
      spec[0],
      var.environment,
      local.dashboard_period,
    )
  }

  dashboard_widgets = [
    {
      title   = "Webhooks received, by status (API Gateway)"
      metrics = [for metric in ["Count", "4xx", "5xx"] : ["AWS/ApiGateway", metric, "ApiId", aws_apigatewayv2_api.webhook.id, { stat = "Sum" }]]
    },
    {
      title   = "Answers submitted, by action"
      metrics = [[{ expression = local.dashboard_search.submitted, id = "submitted", label = "" }]]
    },
    {
      title   = "Left to a person, by reason"
      metrics = [[{ expression = local.dashboard_search.skipped, id = "skipped", label = "" }]]
    },
    {
      title = "Retry budgets spent, people told, answered elsewhere"
      metrics = [
        [{ expression = local.dashboard_search.budget_spent, id = "budget", label = "budget spent" }],
        [{ expression = local.dashboard_search.people_told, id = "told", label = "people told" }],
        [{ expression = local.dashboard_search.answered_else, id = "elsewhere", label = "answered elsewhere" }],
      ]
    },
    {
      title = "Sweep: lost webhooks queued, conflicts, not queued by reason"
      metrics = [
        [{ expression = local.dashboard_search.enqueued, id = "enqueued", label = "queued by the sweep" }],
        [{ expression = local.dashboard_search.conflicts, id = "conflicts", label = "conflicting rules" }],
        [{ expression = local.dashboard_search.not_enqueued, id = "notenqueued", label = "" }],
      ]
    },
    {
      title = "Records failed, by cause; notices that could not be sent"
      metrics = [
        [{ expression = local.dashboard_search.failed, id = "failed", label = "" }],
        [{ expression = local.dashboard_search.notices_fail, id = "noticesfailed", label = "" }],
      ]
    },
    {
      title = "Queues: dead letters and the oldest waiting message (s)"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.messages_dlq.name, { stat = "Maximum", label = "dead letters" }],
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", aws_sqs_queue.messages.name, { stat = "Maximum", label = "oldest message age", yAxis = "right" }],
      ]
    },
    {
      title = "Errors per function version (live)"
      metrics = [for i, name in local.dashboard_functions : [{
        expression = format("SEARCH('{AWS/Lambda,FunctionName,Resource,ExecutedVersion} MetricName=\"Errors\" FunctionName=\"%s\"', 'Sum', 60)", name)
        id         = "errors${i}"
        label      = ""
      }]]
    },
    {
      title = "Duration per function version (live, p99 ms)"
      metrics = [for i, name in local.dashboard_functions : [{
        expression = format("SEARCH('{AWS/Lambda,FunctionName,Resource,ExecutedVersion} MetricName=\"Duration\" FunctionName=\"%s\"', 'p99', 60)", name)
        id         = "duration${i}"
        label      = ""
      }]]
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name_prefix
  dashboard_body = jsonencode({
    widgets = [for i, widget in local.dashboard_widgets : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = widget.title
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = local.dashboard_period
        metrics = widget.metrics
      }
    }]
  })
}
