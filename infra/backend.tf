# State lives in S3, configured at init time so that no account, bucket or region is written here
# (partial configuration). Example, one file per environment:
#
#   terraform init -backend-config=envs/dev.s3.tfbackend
#
# where envs/<env>.s3.tfbackend holds bucket, key, region, encrypt, kms_key_id and use_lockfile
# (S3-native locking, Terraform >= 1.10). The bucket and its key are infra/bootstrap's (an
# administrator's root: versioned, SSE-KMS, private, TLS only); each environment's deploy role
# reaches <project>/<env>/* only. The state holds no secret: ssm.tf writes both write-only.
terraform {
  backend "s3" {}
}
