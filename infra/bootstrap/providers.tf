# Applied by an administrator of the account (never by a deploy role: the roles it creates deny
# themselves every IAM action on themselves). Region from var.aws_region or the usual chain.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      Project   = var.project_name
      Component = "bootstrap"
      ManagedBy = "terraform"
    })
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}
