/**
 * The credential sources we ship (ESC environments, stack files) hold no static credential:
 * every login is OIDC, and no value looks like an AWS key, a Vault token or an HCP Terraform
 * token. Guards the examples users copy.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const ESC_DIR = path.join(ROOT, "esc");

const STATIC_SECRETS: [string, RegExp][] = [
  ["an AWS access key id", /\b(AKIA|ASIA)[A-Z0-9]{16}\b/],
  ["a Vault service token", /\bhvs\.[A-Za-z0-9_-]{20,}/],
  ["an HCP Terraform token", /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{20,}/],
  ["an ESC static login", /^\s*static:/m],
  ["an ESC literal secret", /fn::secret/],
];

function credentialFiles(): string[] {
  const esc = fs.readdirSync(ESC_DIR).map((f) => path.join(ESC_DIR, f));
  const stacks = [ROOT, path.join(ROOT, "consumer")].flatMap((dir) =>
    fs
      .readdirSync(dir)
      .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
      .map((f) => path.join(dir, f)),
  );
  return [...esc, ...stacks];
}

describe("shipped credential sources", () => {
  it("exist: an ESC environment per example stack", () => {
    assert.ok(fs.existsSync(path.join(ESC_DIR, "tfc-jit-aws-dev.yaml")));
  });

  it("log in to AWS and Vault over OIDC only", () => {
    for (const file of fs.readdirSync(ESC_DIR).map((f) => path.join(ESC_DIR, f))) {
      const text = fs.readFileSync(file, "utf8");
      assert.match(text, /fn::open::aws-login:\s*\n\s*oidc:/, `${file}: aws-login without oidc`);
      assert.match(text, /fn::open::vault-login:[\s\S]*?\n\s*jwt:/, `${file}: vault-login without jwt`);
    }
  });

  it("contain no static credential", () => {
    for (const file of credentialFiles()) {
      const text = fs.readFileSync(file, "utf8");
      for (const [what, pattern] of STATIC_SECRETS) {
        assert.doesNotMatch(text, pattern, `${path.relative(ROOT, file)} contains ${what}`);
      }
    }
  });
});
