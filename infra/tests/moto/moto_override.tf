# Test-only (make tf-moto): merged into the provider and terraform blocks of the module copy that
# tests/moto/apply-destroy.sh applies to a moto server. Local state in that temporary directory;
# credentials are the dummy AWS_* variables the script exports.
terraform {
  backend "local" {}
}

provider "aws" {
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    apigatewayv2 = var.moto_endpoint
    cloudwatch   = var.moto_endpoint
    codedeploy   = var.moto_endpoint
    dynamodb     = var.moto_endpoint
    iam          = var.moto_endpoint
    kms          = var.moto_endpoint
    lambda       = var.moto_endpoint
    logs         = var.moto_endpoint
    s3           = var.moto_endpoint
    scheduler    = var.moto_endpoint
    sns          = var.moto_endpoint
    sqs          = var.moto_endpoint
    ssm          = var.moto_endpoint
    sts          = var.moto_endpoint
  }
}
