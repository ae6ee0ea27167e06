# The "needs a person" topic and its ledger. When the responder leaves a pending interruption to a
# person (held by another user, the action not offered, not takeable, a rule saying then=Leave,
# conflicting sweep rules) or answers one with a spent retry budget, process-message (and
# sweep-interruptions, for conflicting rules) publishes one message to it. The functions find it in
# NEEDS_A_PERSON_TOPIC_ARN (lambda.tf) and may publish to it only (iam.tf).
#
# A standard topic <prefix>-needs-a-person under the responder's key, with an optional email
# subscription, unless var.needs_a_person_topic_arn names an existing topic; nothing at all (topic,
# table, environment variables, permissions) with var.needs_a_person_enabled = false.
#
# The ledger: a DynamoDB table <prefix>-notices, so that a person is told at most once per
# interruption and reason although both functions (and redelivered records) may see it many times.
# Before publishing, a function puts the item Key = <space>/<interruption>/<reason> on condition
# attribute_not_exists(Key); a failed condition means someone was told already. When the publish
# fails it deletes the item again, so that a later record may tell. Items carry ExpiresAt (epoch
# seconds, 30 days on) and DynamoDB's TTL removes them. The functions find the table in
# NOTICES_TABLE and may put and delete items in it only: no reads, scans or other tables. The
# Rust side wants NOTICES_TABLE and NEEDS_A_PERSON_TOPIC_ARN both or neither, so the table comes
# with the feature, also when an existing topic is given.
#
# The table is encrypted under the responder's key, with point-in-time recovery. No deletion
# protection, like the queues and parameters of this root: losing the ledger costs at most one
# repeated notice per interruption and reason, and turning needs_a_person_enabled off (or a
# destroy) has to be able to remove it.
#
# The key policy needs no statement for the topic or the table (kms.tf): the publishers are this
# account's function roles, which the key policy's account statement lets IAM authorise, and their
# roles may use the key only through SNS or DynamoDB (kms:ViaService). SNS generates and decrypts
# data keys for the topic; DynamoDB decrypts the table key on behalf of the caller (kms:Decrypt
# only; it generates the table key itself, through the grant it creates when the table is
# created). Only AWS services acting as a service principal (as CloudWatch does to the alarm topic)
# need the key policy itself.

locals {
  # Create the topic only when enabled and no existing topic is given.
  needs_a_person_create = var.needs_a_person_enabled && var.needs_a_person_topic_arn == null

  # The topic the functions publish to (created or given); null when disabled.
  needs_a_person_topic_arn = (
    !var.needs_a_person_enabled ? null :
    var.needs_a_person_topic_arn != null ? var.needs_a_person_topic_arn :
    one(aws_sns_topic.needs_a_person[*].arn)
  )

  # The ledger table's name; null when disabled.
  notices_table_name = one(aws_dynamodb_table.notices[*].name)

  # What process-message and sweep-interruptions add to their environment (lambda.tf): keyed on the
  # variable, not on the ARN, so that the map is known at plan time even before the topic exists.
  # Both variables or neither: the functions refuse one without the other.
  needs_a_person_environment = var.needs_a_person_enabled ? {
    NEEDS_A_PERSON_TOPIC_ARN = local.needs_a_person_topic_arn
    NOTICES_TABLE            = local.notices_table_name
  } : {}

  # The end of both roles' descriptions (lambda.tf).
  needs_a_person_role_note = var.needs_a_person_enabled ? ", publishes to the needs-a-person topic and records what it told in the notices table" : ""

  # What both functions' roles add (iam.tf): publish to this topic only; put and delete items of the
  # ledger table only, and use the responder's key for it only through DynamoDB in this region;
  # with the created topic, use the key for it, and only through SNS in this region. A given
  # topic's own key (if any) is its owner's to grant.
  needs_a_person_statements = concat(
    var.needs_a_person_enabled ? [
      {
        sid        = "PublishNeedsAPerson"
        actions    = ["sns:Publish"]
        resources  = [local.needs_a_person_topic_arn]
        conditions = []
      },
      {
        sid        = "RecordNotices"
        actions    = ["dynamodb:PutItem", "dynamodb:DeleteItem"]
        resources  = [one(aws_dynamodb_table.notices[*].arn)]
        conditions = []
      },
      {
        sid        = "DecryptNoticesTable"
        actions    = ["kms:Decrypt"]
        resources  = [aws_kms_key.this.arn]
        conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = ["dynamodb.${local.region}.amazonaws.com"] }]
      },
    ] : [],
    local.needs_a_person_create ? [
      {
        sid        = "EncryptForNeedsAPersonTopic"
        actions    = ["kms:GenerateDataKey", "kms:Decrypt"]
        resources  = [aws_kms_key.this.arn]
        conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = ["sns.${local.region}.amazonaws.com"] }]
      },
    ] : [],
  )
}

resource "aws_sns_topic" "needs_a_person" {
  count = local.needs_a_person_create ? 1 : 0

  name              = "${local.name_prefix}-needs-a-person"
  display_name      = "${var.project_name} ${var.environment}: needs a person"
  fifo_topic        = false # one message per interruption, no ordering or de-duplication needed
  kms_master_key_id = aws_kms_key.this.arn
}

resource "aws_sns_topic_subscription" "needs_a_person_email" {
  count = local.needs_a_person_create && var.needs_a_person_email != null ? 1 : 0

  topic_arn = aws_sns_topic.needs_a_person[0].arn
  protocol  = "email"
  endpoint  = var.needs_a_person_email
}

# The ledger of notices sent (see the top of this file). Key is the only attribute the table
# declares: Reason and ExpiresAt are ordinary item attributes, ExpiresAt the TTL attribute.
resource "aws_dynamodb_table" "notices" {
  count = var.needs_a_person_enabled ? 1 : 0

  name         = "${local.name_prefix}-notices"
  billing_mode = "PAY_PER_REQUEST" # a few writes a day; nothing to provision or scale
  hash_key     = "Key"

  attribute {
    name = "Key"
    type = "S"
  }

  ttl {
    attribute_name = "ExpiresAt"
    enabled        = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  deletion_protection_enabled = false
}
