# The secrets (ssm.tf): Terraform writes the Octopus API key and the webhook secret to SSM through
# write-only arguments, so neither is in a plan or the state; the webhook secret is generated during
# the apply; versions decide when anything is written.

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

run "the_state_holds_no_secret" {
  assert {
    condition = (
      aws_ssm_parameter.octopus_api_key.value == "" && aws_ssm_parameter.octopus_api_key.insecure_value == "" &&
      aws_ssm_parameter.webhook_token.value == "" && aws_ssm_parameter.webhook_token.insecure_value == ""
    )
    error_message = "neither parameter may keep a value in the state: both are written through value_wo"
  }

  assert {
    condition = (
      aws_ssm_parameter.octopus_api_key.value_wo_version == 1 && aws_ssm_parameter.webhook_token.value_wo_version == 1
    )
    error_message = "version 1 writes each value once, when the parameter is created"
  }

  assert {
    condition = (
      aws_ssm_parameter.octopus_api_key.type == "SecureString" && aws_ssm_parameter.webhook_token.type == "SecureString" &&
      aws_ssm_parameter.octopus_api_key.key_id == aws_kms_key.this.arn && aws_ssm_parameter.webhook_token.key_id == aws_kms_key.this.arn
    )
    error_message = "both secrets must be SecureStrings under the responder's key"
  }
}

run "raising_a_version_writes_a_new_value" {
  variables {
    octopus_api_key_version = 2
    webhook_secret_version  = 3
  }

  assert {
    condition     = aws_ssm_parameter.octopus_api_key.value_wo_version == 2 && aws_ssm_parameter.webhook_token.value_wo_version == 3
    error_message = "octopus_api_key_version and webhook_secret_version must be the parameters' value_wo_version"
  }

  assert {
    condition     = aws_ssm_parameter.octopus_api_key.value == "" && aws_ssm_parameter.webhook_token.value == ""
    error_message = "a rotation must not put a value into the state either"
  }
}

# A plan only: terraform test < 1.17 cannot apply with an optional ephemeral variable unset
# (hashicorp/terraform#38974); terraform apply can, and tests/moto applies without the key too.
run "without_the_key_the_parameter_keeps_what_make_secrets_put_there" {
  command = plan

  variables {
    octopus_api_key = null
  }

  assert {
    condition     = aws_ssm_parameter.octopus_api_key.value_wo_version == 1
    error_message = "without TF_VAR_octopus_api_key the plan must still work, writing nothing over an existing key (version 1)"
  }
}

run "a_new_key_version_without_the_key_is_refused" {
  command = plan

  variables {
    octopus_api_key         = null
    octopus_api_key_version = 2
  }

  expect_failures = [var.octopus_api_key]
}

run "refuses_a_short_octopus_api_key" {
  command = plan

  variables {
    octopus_api_key = "API-1"
  }

  expect_failures = [var.octopus_api_key]
}

run "refuses_a_version_below_one" {
  command = plan

  variables {
    webhook_secret_version = 0
  }

  expect_failures = [var.webhook_secret_version]
}

run "a_given_webhook_secret_stays_out_of_the_state_too" {
  variables {
    webhook_token = "0123456789abcdef0123456789abcdef"
  }

  assert {
    condition     = aws_ssm_parameter.webhook_token.value == "" && aws_ssm_parameter.webhook_token.insecure_value == "" && aws_ssm_parameter.webhook_token.value_wo_version == 1
    error_message = "a webhook secret given for a migration must be written through value_wo only"
  }
}

run "refuses_a_short_webhook_token" {
  command = plan

  variables {
    webhook_token = "too-short"
  }

  expect_failures = [var.webhook_token]
}

# The migration secret is for the first apply only: with a rotation (version above 1) it would
# write the old secret again instead of a new one.
run "refuses_a_given_webhook_token_with_a_rotation" {
  command = plan

  variables {
    webhook_token          = "0123456789abcdef0123456789abcdef"
    webhook_secret_version = 2
  }

  expect_failures = [var.webhook_token]
}
