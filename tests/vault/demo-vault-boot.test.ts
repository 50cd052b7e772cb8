/**
 * What the demo Vault's instance runs (components/demo-vault-boot.ts) and the Pulumi token's
 * policy with a stack's names put in (components/pulumi-vault-policy.ts), as plain text.
 */
import { strict as assert } from "node:assert";
import { demoVaultUserData, vaultServerConfig } from "../../components/demo-vault-boot";
import { pulumiVaultPolicy } from "../../components/pulumi-vault-policy";
import { aclAllows, parsePolicyHcl } from "../support/vault-double-acl";

const SETTINGS = {
  privateIp: "10.42.0.10",
  region: "eu-west-1",
  kmsKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
  image: `hashicorp/vault@sha256:${"ab".repeat(32)}`,
  volumeId: "vol-0123456789abcdef0",
  certPem: "-----BEGIN CERTIFICATE-----\nSERVER\n-----END CERTIFICATE-----\n",
  tlsKeyParameter: "demo-vault-tls-key-1234567",
};

describe("demo Vault boot files", () => {
  it("configures raft storage on the data volume, a TLS listener and KMS auto-unseal", () => {
    const hcl = vaultServerConfig(SETTINGS);
    assert.match(hcl, /storage "raft" \{\n {2}path {4}= "\/vault\/file\/data"/);
    assert.match(hcl, /tls_cert_file {3}= "\/vault\/tls\/cert.pem"/);
    assert.match(hcl, /seal "awskms" \{\n {2}region {5}= "eu-west-1"\n {2}kms_key_id = "1234abcd-/);
    assert.match(hcl, /api_addr = "https:\/\/10\.42\.0\.10:8200"/);
    assert.doesNotMatch(hcl, /tls_disable/);
  });

  it("mounts the volume by its id, fetches the TLS key into memory at every start, runs the image by digest", () => {
    const script = demoVaultUserData(SETTINGS);
    assert.ok(script.includes("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0"));
    assert.match(
      script,
      /--with-decryption --name demo-vault-tls-key-1234567 .*> \/run\/vault-tls\/key\.pem/,
    );
    assert.match(script, /ExecStartPre=\/usr\/local\/bin\/vault-demo-tls/);
    assert.ok(script.includes(` ${SETTINGS.image} server`));
    assert.doesNotMatch(script, /PRIVATE KEY|--privileged/);
  });
});

describe("Pulumi's Vault policy with a stack's names", () => {
  it("moves every named path to the stack's mount, auth path and role prefix, and nothing else", () => {
    const names = { awsMountPath: "team/aws", jwtAuthPath: "hcp-jwt", roleNamePrefix: "ci" };
    const rules = [parsePolicyHcl(pulumiVaultPolicy(names))];
    for (const path of [
      "sys/mounts/team/aws",
      "team/aws/roles/ci-plan",
      "team/aws/config/root",
      "sys/auth/hcp-jwt",
      "auth/hcp-jwt/role/ci-apply",
      "sys/policies/acl/team-aws-ci-plan-creds",
      "auth/token/lookup-self",
    ]) {
      assert.ok(aclAllows(rules, path, [path.endsWith("lookup-self") ? "read" : "update"]), path);
    }
    for (const path of [
      "sys/mounts/aws",
      "aws/roles/tfc-plan",
      "sys/auth/jwt-tfc",
      "sys/policies/acl/aws-tfc-plan-creds",
    ]) {
      assert.ok(!aclAllows(rules, path, ["update"]), `${path} is no longer granted`);
    }
  });
});
