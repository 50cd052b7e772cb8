import { strict as assert } from "node:assert";
import { bindingError, globMatch } from "../support/bound-claims";

describe("Vault bound-claims semantics (test support)", () => {
  it("glob * spans any characters, colons included", () => {
    assert.equal(
      globMatch(
        "organization:acme:*:run_phase:plan",
        "organization:acme:project:p:workspace:w:run_phase:plan",
      ),
      true,
    );
    assert.equal(
      globMatch(
        "organization:acme:*:run_phase:plan",
        "organization:acme:project:p:workspace:w:run_phase:apply",
      ),
      false,
    );
    assert.equal(globMatch("a*b*c", "abc"), true);
    assert.equal(globMatch("a*b*c", "acb"), false);
    assert.equal(globMatch("exact", "exactly"), false);
  });

  it("a role accepts only claims that match audience and every bound claim", () => {
    const role = {
      bound_audiences: ["vault.workload.identity"],
      bound_claims_type: "glob" as const,
      bound_claims: {
        sub: "organization:acme:project:*:workspace:demo:run_phase:plan",
        terraform_workspace_id: "ws-1",
      },
    };
    const good = {
      aud: "vault.workload.identity",
      sub: "organization:acme:project:Default Project:workspace:demo:run_phase:plan",
      terraform_workspace_id: "ws-1",
    };
    assert.equal(bindingError(role, good), null);
    assert.match(bindingError(role, { ...good, aud: "other" }) ?? "", /audience/);
    assert.match(
      bindingError(role, { ...good, terraform_workspace_id: "ws-2" }) ?? "",
      /claim "terraform_workspace_id" does not match/,
    );
    assert.match(bindingError(role, { ...good, terraform_workspace_id: undefined }) ?? "", /is missing/);
    assert.match(
      bindingError({ ...role, bound_claims_type: "string" }, good) ?? "",
      /claim "sub" does not match/,
    );
  });
});
