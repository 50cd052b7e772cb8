/**
 * The Vault double's ACL follows vault/acl.go: which rule applies to a path, how policies merge,
 * and how parameter constraints judge request data. See docs/upstream-behaviour.md#vault-tokens-and-leases.
 */
import { strict as assert } from "node:assert";
import { aclAllows, globbedStringsMatch, parsePolicyHcl, type PolicyRule } from "../support/vault-double-acl";

const rule = (
  path: string,
  capabilities: PolicyRule["capabilities"],
  extra: Partial<PolicyRule> = {},
): PolicyRule => ({
  path,
  capabilities,
  ...extra,
});

describe("Vault double ACL (vault/acl.go)", () => {
  it("an exact rule beats a glob; among globs the latest first wildcard wins", () => {
    const p = [[rule("secret/*", ["read"]), rule("secret/a", ["deny"])]];
    assert.equal(aclAllows(p, "secret/a", ["read"]), false);
    assert.equal(aclAllows(p, "secret/b", ["read"]), true);
    // foo/bar/+ (first wildcard later) beats foo/+/baz... for foo/bar/baz
    const q = [[rule("foo/+/baz", ["read"]), rule("foo/bar/+", ["deny"])]];
    assert.equal(aclAllows(q, "foo/bar/baz", ["read"]), false);
    // a longer prefix beats a shorter one
    const r = [[rule("a/*", ["deny"]), rule("a/b/*", ["read"])]];
    assert.equal(aclAllows(r, "a/b/c", ["read"]), true);
    // `+` matches one segment only; a non-prefix `+` rule needs the same number of segments
    assert.equal(aclAllows([[rule("x/+", ["read"])]], "x/y/z", ["read"]), false);
  });

  it("merges policies per path: capabilities unioned, a deny anywhere wins", () => {
    assert.equal(aclAllows([[rule("p", ["read"])], [rule("p", ["update"])]], "p", ["update"]), true);
    assert.equal(aclAllows([[rule("p", ["read"])], [rule("p", ["deny"])]], "p", ["read"]), false);
  });

  it("denied_parameters: an empty list denies the parameter whatever its value, names compared lower-cased", () => {
    const p = [
      parsePolicyHcl('path "p" {\n  capabilities = ["update"]\n  denied_parameters = { "Lease_Id" = [] }\n}'),
    ];
    assert.equal(aclAllows(p, "p", ["update"], { sync: true }), true);
    assert.equal(aclAllows(p, "p", ["update"], { lease_id: "x" }), false);
    assert.equal(aclAllows(p, "p", ["update"], { LEASE_ID: "x" }), false);
    assert.equal(aclAllows(p, "p", ["update"]), true, "no data: allowed");
  });

  it("allowed_parameters: only listed parameters, values by prefix/suffix glob, comma lists element-wise", () => {
    const p = [[rule("p", ["update"], { allowedParameters: { lease_id: ["aws/creds/r/*"] } })]];
    assert.equal(aclAllows(p, "p", ["update"], { lease_id: "aws/creds/r/abc" }), true);
    assert.equal(aclAllows(p, "p", ["update"], { lease_id: "aws/creds/other/abc" }), false);
    assert.equal(aclAllows(p, "p", ["update"], { lease_id: "aws/creds/r/a", sync: true }), false);
    assert.equal(aclAllows(p, "p", ["update"], { lease_id: ["aws/creds/r/a", "aws/creds/x/b"] }), false);
    const star = [[rule("p", ["update"], { allowedParameters: { "*": [] } })]];
    assert.equal(aclAllows(star, "p", ["update"], { anything: 1 }), true);
  });

  it("a policy without constraints on a path does not lift another's constraints there", () => {
    const constrained = [rule("p", ["update"], { deniedParameters: { lease_id: [] } })];
    const open = [rule("p", ["update"])];
    assert.equal(aclAllows([open, constrained], "p", ["update"], { lease_id: "x" }), false);
    assert.equal(aclAllows([constrained, open], "p", ["update"], { lease_id: "x" }), false);
  });

  it("required_parameters must be present", () => {
    const p = [[rule("p", ["update"], { requiredParameters: ["name"] })]];
    assert.equal(aclAllows(p, "p", ["update"], {}), false);
    assert.equal(aclAllows(p, "p", ["update"], { name: "n" }), true);
  });

  it("value globs: `*` only at the start and/or the end (strutil.GlobbedStringsMatch)", () => {
    assert.equal(globbedStringsMatch("a/*", "a/b"), true);
    assert.equal(globbedStringsMatch("*/b", "a/b"), true);
    assert.equal(globbedStringsMatch("*x*", "axb"), true);
    assert.equal(globbedStringsMatch("a*b", "axb"), false);
    assert.equal(globbedStringsMatch("*", "*"), true);
  });

  it("refuses policy text it cannot read instead of guessing", () => {
    assert.throws(() => parsePolicyHcl('path "p" { capabilities = ["read"]'), /policy HCL/);
    assert.throws(() => parsePolicyHcl('name "x" {}'), /only path blocks/);
  });
});
