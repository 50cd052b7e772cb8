import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  installMocks,
  isSecretInput,
  outputIsSecret,
  plain,
  recorder,
  settled,
  valueOf,
} from "../support/pulumi-mocks";

describe("Pulumi mock recorder (test support)", () => {
  before(installMocks);
  beforeEach(() => recorder.reset());

  it("records inputs, keeps secret wrappers, and echoes state", async () => {
    class Thing extends pulumi.CustomResource {
      declare readonly password: pulumi.Output<string>;
      constructor(name: string, args: { password: pulumi.Input<string>; size: number }) {
        super("test:index:Thing", name, { ...args, password: args.password });
      }
    }
    const thing = new Thing("t1", { password: pulumi.secret("hunter2"), size: 3 });
    assert.equal(await valueOf(thing.password), "hunter2");
    assert.equal(await outputIsSecret(thing.password), true);
    await settled();
    const rec = recorder.one("test:index:Thing", "t1");
    assert.equal(isSecretInput(rec.inputs.password), true);
    assert.equal(isSecretInput(rec.inputs.size), false);
    assert.deepEqual(plain(rec.inputs), { password: "hunter2", size: 3 });
  });
});
