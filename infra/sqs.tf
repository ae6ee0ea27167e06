# The work queue between the two functions and its dead-letter queue. FIFO by default:
# accept-message sets the message group (the server task, so one deployment's events are answered
# in order) and the de-duplication id (the Octopus event id) itself, so content-based
# de-duplication stays off.
resource "aws_sqs_queue" "messages" {
  name                              = "${local.name_prefix}-messages${local.queue_suffix}"
  fifo_queue                        = var.fifo_queue
  visibility_timeout_seconds        = local.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.messages_dlq.arn
    maxReceiveCount     = local.max_receive_count
  })

  lifecycle {
    # A record that keeps failing is received every visibility timeout; it must reach the DLQ
    # before the work queue's retention deletes it unseen.
    precondition {
      condition     = local.max_receive_count * local.visibility_timeout_seconds < var.message_retention_seconds
      error_message = "message_retention_seconds (${var.message_retention_seconds}) must exceed max_receive_count x visibility timeout (${local.max_receive_count} x ${local.visibility_timeout_seconds} s): otherwise records that keep failing expire in the work queue instead of reaching the dead-letter queue."
    }
  }
}

resource "aws_sqs_queue" "messages_dlq" {
  name                              = "${local.name_prefix}-messages-dlq${local.queue_suffix}"
  fifo_queue                        = var.fifo_queue
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
}
