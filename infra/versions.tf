# Terraform >= 1.11: write-only arguments (value_wo, 1.11) and ephemeral values (1.10) keep the
# secrets out of plans and the state (ssm.tf), besides validations that compare variables (1.9)
# and S3-native state locking (use_lockfile, 1.10). aws ~> 5.100: 5.100.0 (which has value_wo,
# the write-only argument ssm.tf uses) is what the offline mirror on the project's machines holds
# and what .terraform.lock.hcl pins, with its hashes for every platform.
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
