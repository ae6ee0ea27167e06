# The deploy role's permissions boundary (infra/bootstrap): every role this root creates carries
# var.permissions_boundary_arn, without which the deploy role may not create it.

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

run "roles_carry_the_boundary" {
  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/octo-responder-dev-boundary"
  }

  assert {
    condition = alltrue([
      for role in [
        module.accept_message.role, module.process_message.role, module.sweep_interruptions[0].role,
        module.canary_check.role, aws_iam_role.codedeploy, aws_iam_role.scheduler[0],
      ] : role.permissions_boundary == "arn:aws:iam::123456789012:policy/octo-responder-dev-boundary"
    ])
    error_message = "every role (the four functions', CodeDeploy's, the sweep schedule's) must carry the environment's permissions boundary"
  }
}

run "no_boundary_without_the_bootstrap" {
  assert {
    condition = alltrue([
      for role in [module.process_message.role, module.canary_check.role, aws_iam_role.codedeploy, aws_iam_role.scheduler[0]] :
      role.permissions_boundary == null
    ])
    error_message = "without permissions_boundary_arn (a local or moto apply) the roles have no boundary"
  }
}

run "refuses_a_boundary_that_is_not_a_policy_arn" {
  command = plan

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/octo-responder-dev-boundary"
  }

  expect_failures = [var.permissions_boundary_arn]
}
