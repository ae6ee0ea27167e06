# The state bucket and its key (state.tf), and the inputs refused before anything is created.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  github_repository = "example-org/octo-responder"
  state_bucket_name = "example-terraform-state"
}

override_resource {
  target = aws_s3_bucket.state
  values = {
    id  = "example-terraform-state"
    arn = "arn:aws:s3:::example-terraform-state"
  }
}

run "versioned_kms_encrypted_private_bucket" {
  assert {
    condition = (
      aws_s3_bucket.state.bucket == "example-terraform-state" &&
      aws_s3_bucket_versioning.state.bucket == "example-terraform-state" &&
      one(aws_s3_bucket_versioning.state.versioning_configuration).status == "Enabled"
    )
    error_message = "the state bucket must be versioned"
  }

  assert {
    condition = (
      aws_s3_bucket_server_side_encryption_configuration.state.bucket == "example-terraform-state" &&
      one(aws_s3_bucket_server_side_encryption_configuration.state.rule).bucket_key_enabled &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" &&
      one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).kms_master_key_id == aws_kms_key.state.arn &&
      aws_kms_key.state.enable_key_rotation &&
      aws_kms_alias.state.name == "alias/octo-responder-terraform-state" && aws_kms_alias.state.target_key_id == aws_kms_key.state.key_id
    )
    error_message = "the state must be encrypted by default with the bucket's own rotating KMS key (alias/<project>-terraform-state, the backends' kms_key_id)"
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.state.bucket == "example-terraform-state" &&
      aws_s3_bucket_public_access_block.state.block_public_acls && aws_s3_bucket_public_access_block.state.block_public_policy &&
      aws_s3_bucket_public_access_block.state.ignore_public_acls && aws_s3_bucket_public_access_block.state.restrict_public_buckets &&
      one(aws_s3_bucket_ownership_controls.state.rule).object_ownership == "BucketOwnerEnforced"
    )
    error_message = "every public access must be blocked, and ACLs disabled"
  }

  assert {
    condition = (
      one(aws_s3_bucket_lifecycle_configuration.state.rule).status == "Enabled" &&
      one(one(aws_s3_bucket_lifecycle_configuration.state.rule).noncurrent_version_expiration).noncurrent_days == 90
    )
    error_message = "old state versions must be kept 90 days by default, then expired"
  }
}

run "tls_only_bucket_policy" {
  assert {
    condition = (
      aws_s3_bucket_policy.state.bucket == "example-terraform-state" &&
      aws_s3_bucket_policy.state.policy == data.aws_iam_policy_document.state_bucket.json
    )
    error_message = "the bucket must carry the policy below"
  }

  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.state_bucket.statement :
      s.effect == "Deny" && s.actions == toset(["s3:*"]) &&
      s.resources == toset(["arn:aws:s3:::example-terraform-state", "arn:aws:s3:::example-terraform-state/*"]) &&
      s.principals == toset([{ type = "*", identifiers = toset(["*"]) }]) &&
      [for c in s.condition : { test = c.test, variable = c.variable, values = c.values }] == [{ test = "Bool", variable = "aws:SecureTransport", values = tolist(["false"]) }]
    ])
    error_message = "the bucket policy must deny every request to the bucket and its objects made without TLS"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.state_bucket.statement : s.effect == "Deny"])
    error_message = "the bucket policy must only deny: access is granted by IAM (the deploy roles, administrators)"
  }
}

run "outputs_for_the_backends_and_github" {
  assert {
    condition = (
      output.state_bucket == "example-terraform-state" &&
      output.state_kms_key_alias == "alias/octo-responder-terraform-state" &&
      output.github_oidc_provider_arn == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    )
    error_message = "the bucket, the key's alias and the OIDC provider must be output"
  }
}

run "refuses_an_unknown_environment" {
  command = plan

  variables {
    environments = { qa = {} }
  }

  expect_failures = [var.environments]
}

run "refuses_a_repository_that_is_not_owner_slash_name" {
  command = plan

  variables {
    github_repository = "example-org/*"
  }

  expect_failures = [var.github_repository]
}

run "refuses_to_import_a_provider_it_is_told_exists" {
  command = plan

  variables {
    import_existing_github_oidc_provider = true
    github_oidc_provider_arn             = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  expect_failures = [var.import_existing_github_oidc_provider]
}

run "refuses_to_import_a_role_of_an_environment_it_does_not_manage" {
  command = plan

  variables {
    environments                 = { prod = {} }
    import_existing_deploy_roles = ["dev"]
  }

  expect_failures = [var.import_existing_deploy_roles]
}
