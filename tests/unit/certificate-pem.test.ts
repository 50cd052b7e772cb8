import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigReader, memorySource } from "../../config/reader";
import { readWorkspaceSettings } from "../../config/tfc";
import { certificatePemProblem } from "../../config/vault-pem";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nS3CR3TKEYMATERIAL\n-----END EC PRIVATE KEY-----";

/** The messages readWorkspaceSettings records for a workspace config with this Vault CA. */
function workspaceProblems(vaultCaCertPem: string): string[] {
  const values = {
    demoVcsRepo: "acme/hashicat-aws",
    vcsOauthTokenId: "ot-Example1",
    demoPrefix: "acme-dev",
    vaultCaCertPem,
  };
  const reader = new ConfigReader(memorySource(values, (v) => pulumi.secret(v), []));
  readWorkspaceSettings(reader);
  return reader.errors.map((e) => e.message);
}

describe("CA certificate PEM in config", () => {
  it("accepts one certificate and a chain of certificates", () => {
    assert.equal(certificatePemProblem(CERT), undefined);
    assert.equal(certificatePemProblem(`${CERT}\n${CERT}\n`), undefined);
  });
  it("refuses text that is no certificate", () => {
    assert.equal(certificatePemProblem("not a pem"), "is not a PEM certificate");
    assert.equal(certificatePemProblem("-----BEGIN CERTIFICATE-----\nMIIB"), "is not a PEM certificate");
  });
  it("refuses a bundle that carries a private key, naming the block but never its content", () => {
    const problem = certificatePemProblem(`${CERT}\n${KEY}`);
    assert.equal(
      problem,
      'holds a "EC PRIVATE KEY" block; only CERTIFICATE blocks belong here (the value is stored unencrypted)',
    );
  });
  it("vaultCaCertPem (a plain workspace variable) refuses a private key, naming the key and the fix", () => {
    const messages = workspaceProblems(`${CERT}\n${KEY}`);
    assert.equal(messages.length, 1, messages.join("\n"));
    assert.match(messages[0] ?? "", /^tfc-jit-aws:vaultCaCertPem: holds a "EC PRIVATE KEY" block/);
    assert.match(messages[0] ?? "", /\(the CA certificate only\)/);
    assert.doesNotMatch(messages.join("\n"), /S3CR3TKEYMATERIAL/);
  });
});
