# The bucket every environment's Terraform state lives in (infra/envs/<env>.s3.tfbackend), with
# S3-native locking (use_lockfile: a <key>.tflock object beside the state, no DynamoDB table).
# Versioned (an overwritten or deleted state can be recovered for state_noncurrent_version_days),
# encrypted under its own KMS key, never public, reachable over TLS only. Each deploy role may
# read and write <project>/<env>/* only, and use the key only through S3.
resource "aws_kms_key" "state" {
  description             = "${var.project_name}: Terraform state of every environment (bucket ${var.state_bucket_name})"
  enable_key_rotation     = true
  deletion_window_in_days = var.state_kms_key_deletion_window_days
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.project_name}-terraform-state"
  target_key_id = aws_kms_key.state.key_id
}

data "aws_iam_policy_document" "state_key" {
  # checkov:skip=CKV_AWS_109:A key policy's Resource "*" is this key only; the account statement is AWS's default key policy, which lets IAM policies (the deploy roles', through S3 only) grant access and keeps the key manageable.
  # checkov:skip=CKV_AWS_111:Same as CKV_AWS_109: in a key policy "*" means this key, and write access is delegated to IAM in the account.
  # checkov:skip=CKV_AWS_356:Same as CKV_AWS_109: a key policy cannot name its own key ARN, "*" is the documented form.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_18:Access logging needs a second bucket (and its own retention); every request to the state is made by a deploy role or an administrator and is in CloudTrail.
  # checkov:skip=CKV_AWS_144:Cross-region replication doubles the buckets and keys for a state that versioning already lets us recover, and that `terraform import` can rebuild.
  # checkov:skip=CKV2_AWS_62:Nothing consumes S3 event notifications of the state; the deploy workflow reports every change.
  bucket = var.state_bucket_name
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.state_noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # A rule on an unversioned bucket would expire nothing it should keep.
  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  # PutBucketPolicy is refused while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.state]
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyWithoutTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyTlsBefore12"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}
