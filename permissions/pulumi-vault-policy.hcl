# Vault policy for the token Pulumi uses (vault:token / VAULT_TOKEN), for the default names:
# AWS secrets engine at "aws", JWT auth at "jwt-tfc", roles "tfc-plan"/"tfc-apply" and their
# policies "aws-tfc-plan-creds"/"aws-tfc-apply-creds" (config keys awsMountPath, jwtAuthPath,
# vaultRoleNamePrefix). Change the names here if you change them there (the demo Vault's token
# gets this file with the stack's names put in). tests/permissions/shipped-policies.test.ts checks
# that it allows every path the program writes.
#   vault policy write tfc-jit-aws-pulumi permissions/pulumi-vault-policy.hcl
#   vault token create -orphan -policy=tfc-jit-aws-pulumi -no-default-policy -period=768h

# The AWS secrets engine: mount, tune, root config (and its rotation), lease config, roles.
path "sys/mounts/aws" {
  capabilities = ["create", "read", "update", "delete"]
}
path "sys/mounts/aws/tune" {
  capabilities = ["read", "update"]
}
path "aws/config/*" {
  capabilities = ["create", "read", "update", "delete"]
}
path "aws/roles/tfc-*" {
  capabilities = ["create", "read", "update", "delete"]
}

# The JWT auth method dedicated to HCP Terraform: enabling and tuning an auth method needs sudo.
path "sys/auth/jwt-tfc" {
  capabilities = ["create", "read", "update", "delete", "sudo"]
}
path "sys/auth/jwt-tfc/tune" {
  capabilities = ["read", "update", "sudo"]
}
path "auth/jwt-tfc/config" {
  capabilities = ["create", "read", "update", "delete"]
}
path "auth/jwt-tfc/role/tfc-*" {
  capabilities = ["create", "read", "update", "delete"]
}

# One policy per run phase, named <mount>-<role>-creds.
path "sys/policies/acl/aws-tfc-*" {
  capabilities = ["create", "read", "update", "delete"]
}

# What the Vault provider itself calls: list mounts and auth methods on refresh, look up its own
# token, and create the short-lived child token it works with.
path "sys/mounts" {
  capabilities = ["read"]
}
path "sys/auth" {
  capabilities = ["read"]
}
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/create" {
  capabilities = ["update"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
