# The "needs a person" topic and its notices table (needs_a_person.tf): on by default (this file
# leaves needs_a_person_enabled unset), the topic created and encrypted, or an existing topic
# instead; the optional email subscription; the ledger table, keyed on Key with ExpiresAt as TTL,
# under the responder's key, created with either topic; NEEDS_A_PERSON_TOPIC_ARN and NOTICES_TABLE
# in process-message's and sweep-interruptions' environment; their permission to publish to that
# topic and to put and delete items of that table only; everything off with
# needs_a_person_enabled = false; and the refused variables.

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

# Distinct ARNs, so that a statement or variable on the wrong topic (e.g. the alarm topic) fails.
override_resource {
  target = aws_sns_topic.needs_a_person[0]
  values = { arn = "arn:aws:sns:eu-west-1:123456789012:octo-responder-dev-needs-a-person" }
}

override_resource {
  target = aws_sns_topic.alarms[0]
  values = { arn = "arn:aws:sns:eu-west-1:123456789012:octo-responder-dev-alarms" }
}

override_resource {
  target = aws_dynamodb_table.notices[0]
  values = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/octo-responder-dev-notices" }
}

# ---- Created by default ------------------------------------------------------------------------

run "needs_a_person_is_on_by_default" {
  command = plan

  assert {
    condition     = var.needs_a_person_enabled
    error_message = "needs_a_person_enabled must default to true"
  }

  assert {
    condition = (
      length(aws_sns_topic.needs_a_person) == 1 && length(aws_dynamodb_table.notices) == 1 &&
      alltrue([
        for fn in [module.process_message, module.sweep_interruptions[0]] :
        length(setintersection(keys(fn.function.environment[0].variables), ["NEEDS_A_PERSON_TOPIC_ARN", "NOTICES_TABLE"])) == 2
      ])
    )
    error_message = "by default the topic and the notices table must be created and both functions told about them"
  }
}

run "topic_is_created_and_encrypted_with_the_responders_key_by_default" {
  assert {
    condition = (
      length(aws_sns_topic.needs_a_person) == 1 &&
      aws_sns_topic.needs_a_person[0].name == "octo-responder-dev-needs-a-person" &&
      !aws_sns_topic.needs_a_person[0].fifo_topic
    )
    error_message = "a standard topic <prefix>-needs-a-person must be created by default"
  }

  assert {
    condition     = aws_sns_topic.needs_a_person[0].kms_master_key_id == aws_kms_key.this.arn
    error_message = "the topic must be encrypted with the responder's key"
  }

  assert {
    condition     = length(aws_sns_topic_subscription.needs_a_person_email) == 0
    error_message = "nobody is subscribed without needs_a_person_email"
  }

  assert {
    condition     = output.needs_a_person_topic_arn == "arn:aws:sns:eu-west-1:123456789012:octo-responder-dev-needs-a-person"
    error_message = "needs_a_person_topic_arn must output the created topic's ARN"
  }
}

run "notices_table_is_keyed_on_key_expires_by_ttl_and_is_encrypted_with_the_responders_key" {
  assert {
    condition = (
      length(aws_dynamodb_table.notices) == 1 &&
      aws_dynamodb_table.notices[0].name == "octo-responder-dev-notices" &&
      aws_dynamodb_table.notices[0].billing_mode == "PAY_PER_REQUEST"
    )
    error_message = "an on-demand table <prefix>-notices must be created by default"
  }

  assert {
    condition = (
      aws_dynamodb_table.notices[0].hash_key == "Key" && aws_dynamodb_table.notices[0].range_key == null &&
      [for a in aws_dynamodb_table.notices[0].attribute : "${a.name}:${a.type}"] == ["Key:S"] &&
      length(aws_dynamodb_table.notices[0].global_secondary_index) == 0 &&
      length(aws_dynamodb_table.notices[0].local_secondary_index) == 0
    )
    error_message = "the table must be keyed on the string attribute Key alone (no sort key, no index): the functions put and delete by Key"
  }

  assert {
    condition = (
      length(aws_dynamodb_table.notices[0].ttl) == 1 &&
      aws_dynamodb_table.notices[0].ttl[0].attribute_name == "ExpiresAt" &&
      aws_dynamodb_table.notices[0].ttl[0].enabled
    )
    error_message = "the table's items must expire by their ExpiresAt attribute (TTL enabled)"
  }

  assert {
    condition = (
      length(aws_dynamodb_table.notices[0].server_side_encryption) == 1 &&
      aws_dynamodb_table.notices[0].server_side_encryption[0].enabled &&
      aws_dynamodb_table.notices[0].server_side_encryption[0].kms_key_arn == aws_kms_key.this.arn
    )
    error_message = "the table must be encrypted with the responder's key"
  }

  assert {
    condition = (
      aws_dynamodb_table.notices[0].point_in_time_recovery[0].enabled &&
      !aws_dynamodb_table.notices[0].deletion_protection_enabled
    )
    error_message = "the table must have point-in-time recovery, and no deletion protection (turning the feature off removes it)"
  }

  assert {
    condition     = output.notices_table_name == "octo-responder-dev-notices"
    error_message = "notices_table_name must output the table's name"
  }
}

run "both_functions_get_the_created_topic_and_the_table_in_their_environment" {
  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      fn.function.environment[0].variables.NEEDS_A_PERSON_TOPIC_ARN == "arn:aws:sns:eu-west-1:123456789012:octo-responder-dev-needs-a-person"
    ])
    error_message = "process-message and sweep-interruptions must get NEEDS_A_PERSON_TOPIC_ARN = the created topic's ARN"
  }

  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      fn.function.environment[0].variables.NOTICES_TABLE == "octo-responder-dev-notices"
    ])
    error_message = "process-message and sweep-interruptions must get NOTICES_TABLE = the notices table's name"
  }

  assert {
    condition     = length(setintersection(keys(module.accept_message.function.environment[0].variables), ["NEEDS_A_PERSON_TOPIC_ARN", "NOTICES_TABLE"])) == 0
    error_message = "accept-message tells nobody: it must get neither NEEDS_A_PERSON_TOPIC_ARN nor NOTICES_TABLE"
  }
}

run "publish_is_scoped_to_the_topic_arn_only" {
  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      [
        for s in fn.policy_document.statement : "${join(",", sort(s.actions))} on ${join(",", s.resources)} if ${length(s.condition)} conditions"
        if anytrue([for a in s.actions : startswith(a, "sns:")])
      ] == ["sns:Publish on arn:aws:sns:eu-west-1:123456789012:octo-responder-dev-needs-a-person if 0 conditions"]
    ])
    error_message = "each of process-message and sweep-interruptions must have exactly one SNS statement: sns:Publish on the needs-a-person topic's ARN only"
  }

  assert {
    condition = !anytrue(flatten([
      for doc in [module.accept_message.policy_document, data.aws_iam_policy_document.scheduler[0]] : [
        for s in doc.statement : [for a in s.actions : startswith(a, "sns:")]
      ]
    ]))
    error_message = "accept-message and the schedule's role may not use SNS"
  }
}

run "the_ledger_is_put_and_delete_on_the_notices_table_only" {
  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      [
        for s in fn.policy_document.statement : "${join(",", sort(s.actions))} on ${join(",", s.resources)} if ${length(s.condition)} conditions"
        if anytrue([for a in s.actions : startswith(a, "dynamodb:")])
      ] == ["dynamodb:DeleteItem,dynamodb:PutItem on arn:aws:dynamodb:eu-west-1:123456789012:table/octo-responder-dev-notices if 0 conditions"]
    ])
    error_message = "each of process-message and sweep-interruptions must have exactly one DynamoDB statement: dynamodb:PutItem and dynamodb:DeleteItem on the notices table's ARN only"
  }

  assert {
    condition = !anytrue(flatten([
      for doc in [module.accept_message.policy_document, data.aws_iam_policy_document.scheduler[0]] : [
        for s in doc.statement : [for a in s.actions : startswith(a, "dynamodb:")]
      ]
    ]))
    error_message = "accept-message and the schedule's role may not use DynamoDB"
  }
}

run "the_key_is_usable_for_the_topic_only_through_sns" {
  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] : [
        for s in fn.policy_document.statement :
        "${join(",", sort(s.actions))} on ${join(",", s.resources)} if ${join(";", [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])}"
        if s.sid == "EncryptForNeedsAPersonTopic"
        ] == [
        "kms:Decrypt,kms:GenerateDataKey on ${aws_kms_key.this.arn} if StringEquals kms:ViaService sns.eu-west-1.amazonaws.com",
      ]
    ])
    error_message = "both publishers may generate data keys and decrypt with the responder's key only through SNS in this region"
  }

  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] : [
        for s in fn.policy_document.statement :
        "${join(",", sort(s.actions))} on ${join(",", s.resources)} if ${join(";", [for c in s.condition : "${c.test} ${c.variable} ${join(",", c.values)}"])}"
        if s.sid == "DecryptNoticesTable"
        ] == [
        "kms:Decrypt on ${aws_kms_key.this.arn} if StringEquals kms:ViaService dynamodb.eu-west-1.amazonaws.com",
      ]
    ])
    error_message = "both writers of the notices table may decrypt with the responder's key (DynamoDB's table key) only through DynamoDB in this region"
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.kms.statement :
      !anytrue([for p in s.principals : contains(p.identifiers, "sns.amazonaws.com")])
    ])
    error_message = "the key policy needs (and has) no SNS statement: the publishers are IAM roles the account statement delegates to"
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.kms.statement :
      !anytrue([for p in s.principals : contains(p.identifiers, "dynamodb.amazonaws.com")])
    ])
    error_message = "the key policy needs (and has) no DynamoDB statement: the table's writers are IAM roles the account statement delegates to"
  }
}

run "role_descriptions_mention_the_topic" {
  assert {
    condition = (
      endswith(module.process_message.role.description, ", publishes to the needs-a-person topic and records what it told in the notices table") &&
      endswith(module.sweep_interruptions[0].role.description, ", publishes to the needs-a-person topic and records what it told in the notices table")
    )
    error_message = "the roles' descriptions must say they publish to the needs-a-person topic and record it in the notices table"
  }
}

# ---- Email subscription ------------------------------------------------------------------------

run "email_is_subscribed_to_the_created_topic_when_set" {
  variables {
    needs_a_person_email = "release-managers@example.com"
  }

  assert {
    condition = (
      length(aws_sns_topic_subscription.needs_a_person_email) == 1 &&
      aws_sns_topic_subscription.needs_a_person_email[0].protocol == "email" &&
      aws_sns_topic_subscription.needs_a_person_email[0].endpoint == "release-managers@example.com" &&
      aws_sns_topic_subscription.needs_a_person_email[0].topic_arn == aws_sns_topic.needs_a_person[0].arn
    )
    error_message = "needs_a_person_email must be subscribed (protocol email) to the created topic"
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_subscription.alarm_email) == 0
    error_message = "the needs-a-person email must not create the alarm topic or subscription"
  }
}

run "alarm_and_needs_a_person_topics_are_separate" {
  variables {
    alarm_email          = "oncall@example.com"
    needs_a_person_email = "release-managers@example.com"
  }

  assert {
    condition = (
      aws_sns_topic.alarms[0].arn != aws_sns_topic.needs_a_person[0].arn &&
      aws_sns_topic_subscription.alarm_email[0].topic_arn == aws_sns_topic.alarms[0].arn &&
      aws_sns_topic_subscription.needs_a_person_email[0].topic_arn == aws_sns_topic.needs_a_person[0].arn
    )
    error_message = "each address must be subscribed to its own topic"
  }

  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      !contains(flatten([for s in fn.policy_document.statement : tolist(s.resources)]), aws_sns_topic.alarms[0].arn)
    ])
    error_message = "the functions may not publish to the alarm topic"
  }
}

# ---- An existing topic -------------------------------------------------------------------------

run "an_existing_topic_is_used_instead_of_creating_one" {
  variables {
    needs_a_person_topic_arn = "arn:aws:sns:eu-west-1:210987654321:ops-needs-a-person"
  }

  assert {
    condition     = length(aws_sns_topic.needs_a_person) == 0 && length(aws_sns_topic_subscription.needs_a_person_email) == 0
    error_message = "no topic or subscription may be created when needs_a_person_topic_arn is given"
  }

  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      fn.function.environment[0].variables.NEEDS_A_PERSON_TOPIC_ARN == "arn:aws:sns:eu-west-1:210987654321:ops-needs-a-person"
    ])
    error_message = "both functions' NEEDS_A_PERSON_TOPIC_ARN must be the given topic"
  }

  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      [
        for s in fn.policy_document.statement : "${join(",", sort(s.actions))} on ${join(",", s.resources)} if ${length(s.condition)} conditions"
        if anytrue([for a in s.actions : startswith(a, "sns:")])
      ] == ["sns:Publish on arn:aws:sns:eu-west-1:210987654321:ops-needs-a-person if 0 conditions"]
    ])
    error_message = "both roles may publish to the given topic only"
  }

  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      !anytrue([for s in fn.policy_document.statement : s.sid == "EncryptForNeedsAPersonTopic"])
    ])
    error_message = "the responder's key does not encrypt a given topic: no KMS statement for it"
  }

  assert {
    condition     = output.needs_a_person_topic_arn == "arn:aws:sns:eu-west-1:210987654321:ops-needs-a-person"
    error_message = "needs_a_person_topic_arn must output the given topic's ARN"
  }

  assert {
    condition = (
      length(aws_dynamodb_table.notices) == 1 && output.notices_table_name == "octo-responder-dev-notices" &&
      alltrue([
        for fn in [module.process_message, module.sweep_interruptions[0]] :
        fn.function.environment[0].variables.NOTICES_TABLE == "octo-responder-dev-notices" &&
        length([for s in fn.policy_document.statement : s if contains(["RecordNotices", "DecryptNoticesTable"], s.sid)]) == 2
      ])
    )
    error_message = "with a given topic the notices table must still be created, named in both functions' NOTICES_TABLE and writable by them (the functions need both or neither)"
  }
}

# ---- Turned off --------------------------------------------------------------------------------

run "disabled_creates_no_topic_table_environment_variable_or_permission" {
  variables {
    needs_a_person_enabled = false
  }

  assert {
    condition     = length(aws_sns_topic.needs_a_person) == 0 && length(aws_sns_topic_subscription.needs_a_person_email) == 0
    error_message = "no topic or subscription may be created when disabled"
  }

  assert {
    condition     = length(aws_dynamodb_table.notices) == 0
    error_message = "no notices table may be created when disabled"
  }

  assert {
    condition = alltrue([
      for fn in values(local.functions) :
      length(setintersection(keys(fn.function.environment[0].variables), ["NEEDS_A_PERSON_TOPIC_ARN", "NOTICES_TABLE"])) == 0
    ])
    error_message = "no function may get NEEDS_A_PERSON_TOPIC_ARN or NOTICES_TABLE when disabled"
  }

  assert {
    condition = alltrue(flatten([
      for fn in values(local.functions) : [
        for s in fn.policy_document.statement :
        !anytrue([for a in s.actions : startswith(a, "sns:") || startswith(a, "dynamodb:")]) &&
        !contains(["EncryptForNeedsAPersonTopic", "RecordNotices", "DecryptNoticesTable"], s.sid)
      ]
    ]))
    error_message = "no function may publish to SNS, use DynamoDB, or use the key for either when disabled"
  }

  assert {
    condition     = output.needs_a_person_topic_arn == null && output.notices_table_name == null
    error_message = "needs_a_person_topic_arn and notices_table_name must be null when disabled"
  }

  assert {
    condition = alltrue([
      for fn in [module.process_message, module.sweep_interruptions[0]] :
      !strcontains(fn.role.description, "needs-a-person") && !strcontains(fn.role.description, "notices")
    ])
    error_message = "the roles' descriptions may not mention the topic or the table when disabled"
  }
}

run "disabled_also_ignores_an_email_and_an_existing_topic" {
  variables {
    needs_a_person_enabled   = false
    needs_a_person_topic_arn = "arn:aws:sns:eu-west-1:210987654321:ops-needs-a-person"
  }

  assert {
    condition = (
      length(aws_sns_topic.needs_a_person) == 0 && output.needs_a_person_topic_arn == null &&
      length(aws_dynamodb_table.notices) == 0 && output.notices_table_name == null &&
      length(setintersection(keys(module.process_message.function.environment[0].variables), ["NEEDS_A_PERSON_TOPIC_ARN", "NOTICES_TABLE"])) == 0
    )
    error_message = "needs_a_person_enabled = false must turn everything off, even with a topic ARN set"
  }
}

run "process_message_publishes_without_the_sweep" {
  variables {
    sweep_enabled = false
  }

  assert {
    condition = (
      length(aws_sns_topic.needs_a_person) == 1 &&
      module.process_message.function.environment[0].variables.NEEDS_A_PERSON_TOPIC_ARN == aws_sns_topic.needs_a_person[0].arn &&
      contains(flatten([for s in module.process_message.policy_document.statement : tolist(s.actions)]), "sns:Publish") &&
      length(aws_dynamodb_table.notices) == 1 &&
      module.process_message.function.environment[0].variables.NOTICES_TABLE == aws_dynamodb_table.notices[0].name &&
      contains(flatten([for s in module.process_message.policy_document.statement : tolist(s.actions)]), "dynamodb:PutItem")
    )
    error_message = "process-message must still publish to the topic and record it in the notices table when the sweep is off"
  }
}

# ---- Refused values ----------------------------------------------------------------------------

run "refuses_a_topic_arn_of_another_service" {
  command = plan

  variables {
    needs_a_person_topic_arn = "arn:aws:sqs:eu-west-1:123456789012:needs-a-person"
  }

  expect_failures = [var.needs_a_person_topic_arn]
}

run "refuses_a_topic_name_instead_of_an_arn" {
  command = plan

  variables {
    needs_a_person_topic_arn = "needs-a-person"
  }

  expect_failures = [var.needs_a_person_topic_arn]
}

run "refuses_a_fifo_topic" {
  command = plan

  variables {
    needs_a_person_topic_arn = "arn:aws:sns:eu-west-1:123456789012:needs-a-person.fifo"
  }

  expect_failures = [var.needs_a_person_topic_arn]
}

run "refuses_a_topic_arn_without_an_account" {
  command = plan

  variables {
    needs_a_person_topic_arn = "arn:aws:sns:eu-west-1::needs-a-person"
  }

  expect_failures = [var.needs_a_person_topic_arn]
}

run "refuses_an_email_without_a_domain" {
  command = plan

  variables {
    needs_a_person_email = "release-managers"
  }

  expect_failures = [var.needs_a_person_email]
}

run "refuses_an_email_with_spaces" {
  command = plan

  variables {
    needs_a_person_email = "release managers@example.com"
  }

  expect_failures = [var.needs_a_person_email]
}

run "refuses_an_email_for_an_existing_topic" {
  command = plan

  variables {
    needs_a_person_topic_arn = "arn:aws:sns:eu-west-1:210987654321:ops-needs-a-person"
    needs_a_person_email     = "release-managers@example.com"
  }

  expect_failures = [var.needs_a_person_email]
}
