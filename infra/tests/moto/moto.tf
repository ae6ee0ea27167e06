# Test-only (make tf-moto): copied with moto_override.tf next to the module's files in a
# temporary directory, so the real provider configuration stays as it is.
variable "moto_endpoint" {
  description = "URL of the moto server on loopback every AWS service is sent to."
  type        = string
}
