# Terraform >= 1.11 and aws ~> 5.100, as infra/ (the same offline mirror and lock file rules).
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
