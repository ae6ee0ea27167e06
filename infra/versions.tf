# Terraform >= 1.10: validations that compare variables (1.9) and S3-native state locking
# (use_lockfile, 1.10). aws ~> 5.100: 5.100.0 is what the offline mirror on the project's machines
# holds; elsewhere init downloads the newest 5.x.
terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
