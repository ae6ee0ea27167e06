# State lives in S3, configured at init time so that no account, bucket or region is written here
# (partial configuration). Example, one file per environment:
#
#   terraform init -backend-config=envs/dev.s3.tfbackend
#
# where envs/<env>.s3.tfbackend holds bucket, key, region, encrypt and use_lockfile (S3-native
# locking, Terraform >= 1.10). The state holds the Octopus API key and the webhook token (they are
# the SSM parameters' values): keep the bucket private and encrypted.
terraform {
  backend "s3" {}
}
