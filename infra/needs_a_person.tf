# The "needs a person" topic. When the responder leaves a pending interruption to a person (held by
# another user, the action not offered, not takeable, a rule saying then=Leave, conflicting sweep
# rules) or answers one with a spent retry budget, process-message (and sweep-interruptions, for
# conflicting rules) publishes one message to it. The functions find it in NEEDS_A_PERSON_TOPIC_ARN
# (lambda.tf) and may publish to it only (iam.tf).
#
# A standard topic <prefix>-needs-a-person under the responder's key, with an optional email
# subscription, unless var.needs_a_person_topic_arn names an existing topic; nothing at all (topic,
# environment variable, permission) with var.needs_a_person_enabled = false.
#
# The key policy needs no statement for it (kms.tf): the publishers are this account's function
# roles, which the key policy's account statement lets IAM authorise, and their roles may use the
# key only through SNS (kms:ViaService). Only AWS services publishing as a service principal (as
# CloudWatch does to the alarm topic) need the key policy itself.

locals {
  # Create the topic only when enabled and no existing topic is given.
  needs_a_person_create = var.needs_a_person_enabled && var.needs_a_person_topic_arn == null

  # The topic the functions publish to (created or given); null when disabled.
  needs_a_person_topic_arn = (
    !var.needs_a_person_enabled ? null :
    var.needs_a_person_topic_arn != null ? var.needs_a_person_topic_arn :
    one(aws_sns_topic.needs_a_person[*].arn)
  )

  # What process-message and sweep-interruptions add to their environment (lambda.tf): keyed on the
  # variable, not on the ARN, so that the map is known at plan time even before the topic exists.
  needs_a_person_environment = var.needs_a_person_enabled ? { NEEDS_A_PERSON_TOPIC_ARN = local.needs_a_person_topic_arn } : {}

  # The end of both roles' descriptions (lambda.tf).
  needs_a_person_role_note = var.needs_a_person_enabled ? ", publishes to the needs-a-person topic" : ""

  # What both functions' roles add (iam.tf): publish to this topic only; with the created topic,
  # use the responder's key for it, and only through SNS in this region. A given topic's own key
  # (if any) is its owner's to grant.
  needs_a_person_statements = concat(
    var.needs_a_person_enabled ? [
      {
        sid        = "PublishNeedsAPerson"
        actions    = ["sns:Publish"]
        resources  = [local.needs_a_person_topic_arn]
        conditions = []
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
