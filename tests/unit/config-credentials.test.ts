/**
 * tfc:token and vault:token set in plain text are refused before anything registers, through the
 * SDK's own record of which config keys are secret (what `pulumi config set --secret` produces).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { pulumiConfigSource, readStackConfig } from "../../config";
import { ConfigErrors } from "../../config/errors";
import { devSource } from "../program/dev-stack";

const TOKEN = "tfc-token-value-never-printed.atlasv1.abcdef";

function withRuntimeConfig(config: Record<string, string>, secretKeys: string[], body: () => void): void {
  const before = pulumi.runtime.allConfig();
  pulumi.runtime.setAllConfig(config, secretKeys);
  try {
    body();
  } finally {
    pulumi.runtime.setAllConfig(before, []);
  }
}

/** The dev stack's values, with the credential check answered by the real SDK runtime. */
function readWithRuntime(): void {
  const dev = devSource();
  const runtime = pulumiConfigSource();
  readStackConfig({
    get: (key) => dev.get(key),
    getSecret: (key) => dev.getSecret(key),
    isPlainText: (key) => runtime.isPlainText?.(key) ?? false,
  });
}

function problems(body: () => void): string[] {
  try {
    body();
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, String(e));
    return e.errors.map((x) => x.message);
  }
}

describe("credentials of other packages in stack config", () => {
  it("refuses tfc:token and vault:token set without --secret, naming the key and the fix, never the value", () => {
    const found = problems(() =>
      withRuntimeConfig({ "tfc:token": TOKEN, "vault:token": "hvs.plain" }, [], readWithRuntime),
    );
    assert.equal(found.length, 2, found.join("\n"));
    assert.match(found[0], /^tfc:token: is set in plain text.*pulumi config set --secret tfc:token <token>/s);
    assert.match(found[1], /^vault:token: is set in plain text.*export VAULT_TOKEN/s);
    for (const message of found) {
      assert.ok(!message.includes(TOKEN) && !message.includes("hvs.plain"), message);
    }
  });

  it("accepts them as secrets, and accepts them absent (read from TFE_TOKEN / VAULT_TOKEN)", () => {
    assert.deepEqual(
      problems(() =>
        withRuntimeConfig(
          { "tfc:token": TOKEN, "vault:token": "hvs.x" },
          ["tfc:token", "vault:token"],
          readWithRuntime,
        ),
      ),
      [],
    );
    assert.deepEqual(
      problems(() => withRuntimeConfig({}, [], readWithRuntime)),
      [],
    );
  });
});
