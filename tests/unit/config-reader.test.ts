import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigReader, memorySource } from "../../config/reader";
import { ConfigErrors } from "../../config/errors";

const source = (values: Record<string, string | number | boolean | object>, secrets: string[] = []) =>
  memorySource(values, (v) => pulumi.secret(v), secrets);

describe("config reader", () => {
  it("reads typed values and falls back to defaults", () => {
    const r = new ConfigReader(
      source({ name: " demo ", count: "3", on: "true", kind: "b", list: ["x", "y"] }),
    );
    assert.equal(r.requiredString("name", "demo"), "demo");
    assert.equal(r.integer("count", 1, { min: 1, max: 5 }), 3);
    assert.equal(r.boolean("on", false), true);
    assert.equal(r.oneOf("kind", ["a", "b"] as const, "a"), "b");
    assert.deepEqual(r.stringList("list", []), ["x", "y"]);
    assert.equal(r.string("missing", "fallback"), "fallback");
    r.throwIfInvalid();
  });

  it("collects every problem with its key and fix, then throws them together", () => {
    const r = new ConfigReader(source({ count: "9", on: "yes", kind: "c", list: "{" }));
    r.requiredString("name", "demo");
    r.integer("count", 1, { min: 1, max: 5 });
    r.boolean("on", false);
    r.oneOf("kind", ["a", "b"] as const, "a");
    r.stringList("list", []);
    r.requiredSecret("token", "the HCP Terraform API token");
    assert.throws(
      () => r.throwIfInvalid(),
      (err: unknown) => {
        assert.ok(err instanceof ConfigErrors);
        const text = err.message;
        assert.match(text, /6 problems/);
        assert.match(
          text,
          /tfc-jit-aws:name: is required but not set\. Fix: pulumi config set tfc-jit-aws:name demo/,
        );
        assert.match(text, /tfc-jit-aws:count: must be a whole number from 1 to 5, got "9"/);
        assert.match(text, /tfc-jit-aws:on: must be true or false/);
        assert.match(text, /tfc-jit-aws:kind: must be one of a, b/);
        assert.match(text, /tfc-jit-aws:list: must be a list of strings/);
        assert.match(text, /tfc-jit-aws:token: .*Fix: pulumi config set --secret tfc-jit-aws:token/);
        return true;
      },
    );
  });

  it("keeps secrets wrapped and out of plain reads", async () => {
    const r = new ConfigReader(source({ rootSecretKey: "s3cr3t" }, ["rootSecretKey"]));
    assert.equal(r.optionalString("rootSecretKey"), undefined);
    const secret = r.optionalSecret("rootSecretKey");
    assert.ok(secret);
    assert.equal(await pulumi.isSecret(secret), true);
  });
});
