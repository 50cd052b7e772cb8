import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { recorder, settled } from "../support/pulumi-mocks";
import { ConfigErrors } from "../../config/errors";
import { readStackConfig } from "../../config";
import { createStack } from "../../stack";
import { useAgentMocks } from "../agent/fixtures";
import { ROOT, SECRETS, declaredKeys, devSource, devStackValues } from "./dev-stack";

/** Secrets are set with `pulumi config set --secret` and are optional, so they are not declared. */
const UNDECLARED_SECRETS = ["awsRootAccessKey", "awsRootSecretKey", "imageRegistryPassword"];
/**
 * A list of maps: Pulumi's project schema types a declared key only as string, integer, boolean
 * or array of those (pulumi/pulumi sdk/go/common/workspace/project.json, simpleConfigType), and
 * checks stack values against the declaration, so declaring it would refuse every entry. It is
 * documented in a comment in Pulumi.yaml instead and validated by config/workspaces.ts.
 */
const UNDECLARABLE = ["workspaces"];

/** Keys the program cannot run without, and a fragment of the fix each error must show. */
const REQUIRED: { key: string; fix: RegExp; eitherOr?: true }[] = [
  // Required with vaultMode external only (demo supplies its own), so declared with an empty default.
  { key: "vaultAddress", fix: /pulumi config set tfc-jit-aws:vaultAddress https:\/\//, eitherOr: true },
  { key: "tfcOrganization", fix: /pulumi config set tfc-jit-aws:tfcOrganization / },
  { key: "tfcWorkspace", fix: /pulumi config set tfc-jit-aws:tfcWorkspace / },
  { key: "jwtAudience", fix: /pulumi config set tfc-jit-aws:jwtAudience / },
  { key: "demoVcsRepo", fix: /pulumi config set tfc-jit-aws:demoVcsRepo .*\/hashicat-aws/ },
  { key: "demoPrefix", fix: /pulumi config set tfc-jit-aws:demoPrefix / },
  // One of two keys is required, so neither can be declared without a default.
  {
    key: "vcsOauthTokenId",
    fix: /pulumi config set tfc-jit-aws:vcsOauthTokenId ot-.*vcsGithubAppInstallationId/,
    eitherOr: true,
  },
];

describe("stack configuration", () => {
  useAgentMocks();

  for (const { key, fix, eitherOr } of REQUIRED) {
    it(`refuses a stack without ${key}, naming the key and the fix, before any resource registers`, async () => {
      assert.ok(key in devStackValues(), `${key} is set in Pulumi.dev.yaml`);
      assert.equal(declaredKeys().get(key), eitherOr ? "" : undefined, `${key}'s default in Pulumi.yaml`);
      let thrown: unknown;
      try {
        // As `pulumi config rm`: the declared default (if any) applies again.
        createStack(readStackConfig(devSource({ [key]: declaredKeys().get(key) ?? null })), {
          contextDir: ROOT,
        });
      } catch (err) {
        thrown = err;
      }
      await settled();
      assert.ok(thrown instanceof ConfigErrors, `expected ConfigErrors, got ${String(thrown)}`);
      assert.deepEqual(
        thrown.errors.map((e) => e.key),
        [`tfc-jit-aws:${key}`],
      );
      assert.match(thrown.errors[0].problem, /is required/);
      assert.match(thrown.errors[0].fix, fix);
      assert.deepEqual(recorder.resources, [], "nothing is registered from a bad stack file");
    });
  }

  it("reports every problem at once", () => {
    assert.throws(
      () => readStackConfig(devSource({ demoPrefix: null, agentRuntime: "k8s", tfcAgentVersion: "1.0.0" })),
      (err: unknown) => {
        assert.ok(err instanceof ConfigErrors);
        assert.deepEqual(err.errors.map((e) => e.key).sort(), [
          "tfc-jit-aws:agentRuntime",
          "tfc-jit-aws:demoPrefix",
          "tfc-jit-aws:tfcAgentVersion",
        ]);
        assert.match(err.message, /invalid stack configuration \(3 problems\)/);
        return true;
      },
    );
  });

  it("declares in Pulumi.yaml every key the program reads, and reads every key it declares", () => {
    const source = devSource({}, { ...SECRETS });
    readStackConfig(source);
    const declared = [...declaredKeys().keys()];
    const undeclared = [...source.asked].filter(
      (k) => !declared.includes(k) && !UNDECLARED_SECRETS.includes(k) && !UNDECLARABLE.includes(k),
    );
    assert.deepEqual(undeclared, [], "read but not declared in Pulumi.yaml");
    const unread = declared.filter((k) => !source.asked.has(k));
    assert.deepEqual(unread, [], "declared in Pulumi.yaml but never read");
  });

  it("keeps Pulumi.dev.yaml free of secret values: secret keys are only shown as commands to run", () => {
    const text = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    const values = devStackValues();
    for (const key of [...UNDECLARED_SECRETS, "token"])
      assert.ok(!(key in values), `${key} is not a plain value`);
    for (const key of ["tfc:token", "vault:token", ...UNDECLARED_SECRETS.map((k) => `tfc-jit-aws:${k}`)]) {
      assert.match(
        text,
        new RegExp(`^#\\s+pulumi config set --secret ${key} `, "m"),
        `shows how to set ${key}`,
      );
      assert.doesNotMatch(text, new RegExp(`^\\s*${key}:`, "m"), `${key} has no plain-text value`);
    }
  });
});
