# The AWS provider: region from var.aws_region (or the usual AWS_REGION / profile chain when it is
# null), credentials from the environment, and tags on everything it creates.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}
