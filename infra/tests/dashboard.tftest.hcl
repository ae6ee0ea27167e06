# The dashboard a person opens first: every widget the delivery issue lists, this environment's
# metrics only, and the sweep's function only when it exists.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment             = "dev"
  octopus_server_url      = "https://octopus.example.com"
  octopus_api_key         = "API-TESTTESTTESTTESTTEST"
  webhook_token           = "" # "" generates it; set because terraform test < 1.17 needs it (hashicorp/terraform#38974)
  accept_message_zip      = "tests/fixtures/bootstrap.zip"
  process_message_zip     = "tests/fixtures/bootstrap.zip"
  sweep_interruptions_zip = "tests/fixtures/bootstrap.zip"
  canary_check_zip        = "tests/fixtures/bootstrap.zip"
}

run "the_dashboard_shows_what_a_person_looks_at_first_for_this_environment" {
  command = apply

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "octo-responder-dev"
    error_message = "the dashboard is named after the environment"
  }

  assert {
    condition = alltrue([for title in [
      "Webhooks received, by status", "Answers submitted, by action", "Left to a person, by reason",
      "Retry budgets spent", "Sweep: lost webhooks queued", "Records failed, by cause",
      "Queues: dead letters", "Errors per function version", "Duration per function version",
    ] : strcontains(aws_cloudwatch_dashboard.this.dashboard_body, title)])
    error_message = "every widget of the list is on the dashboard"
  }

  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "Environment=\\\"dev\\\"") && !strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "Environment=\\\"prod\\\"")
    error_message = "the responder's metrics are this environment's only"
  }

  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "octo-responder-dev-sweep-interruptions")
    error_message = "the sweep's versions are shown when it exists"
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 9
    error_message = "nine widgets"
  }
}

run "without_the_sweep_its_function_is_not_on_the_dashboard" {
  command = apply

  variables {
    sweep_enabled           = false
    sweep_interruptions_zip = null
  }

  assert {
    condition     = !strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "octo-responder-dev-sweep-interruptions")
    error_message = "no sweep, no sweep line"
  }
}
