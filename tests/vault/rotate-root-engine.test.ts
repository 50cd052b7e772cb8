/**
 * rotateRootKey end to end: the engine and JWT trust as the components register them (Pulumi
 * mocks), RotateRoot's recorded inputs run through the real dynamic-provider host against the
 * Vault double, then a run's login and credentials read: the iam_user name carries the workspace,
 * as with the aws.SecretBackend path (docs/audit-trail.md).
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, plain, recorder, settled } from "../support/pulumi-mocks";
import { AwsDouble } from "../support/aws-double";
import { DynamicProviderHost, withoutTfeVariables } from "../support/dynamic-provider-host";
import { TokenIssuer } from "../support/token-issuer";
import { VaultDouble } from "../support/vault-double";
import { VaultAwsEngine } from "../../components/vault-aws-engine";
import { TfcJwtTrust } from "../../components/tfc-jwt-trust";
import { tfcJwtTrustArgs, vaultAwsEngineArgs } from "../../components/vault-side-args";
import { seedVaultDouble } from "./seed-vault-double";
import { vaultSide, WITH_ROOT_KEYS } from "./fixtures";

const ROOT_USER = "vault-engine-root";
const WS_ID = "ws-NetProd42";

describe("rotateRootKey end to end: RotateRoot writes the program's username template", function () {
  this.timeout(60_000);
  let aws: AwsDouble;
  let vault: VaultDouble;
  let issuer: TokenIssuer;
  let host: DynamicProviderHost;

  before(async () => {
    await installMocks();
    aws = await AwsDouble.start();
    vault = await VaultDouble.start({ aws });
    issuer = await TokenIssuer.start();
    const env = withoutTfeVariables(process.env);
    for (const k of ["VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_CACERT"]) delete env[k];
    host = await DynamicProviderHost.start({ env });
  });
  after(async () => {
    await host.stop();
    await vault.stop();
    await aws.stop();
    await issuer.stop();
  });

  it("iam_user names lead with the role, then organization, project and workspace (cut at 40 with the role)", async () => {
    recorder.reset();
    const side = vaultSide(
      {
        ...WITH_ROOT_KEYS.values,
        rotateRootKey: true,
        tfcAddress: issuer.issuer,
        allowInsecureHttp: true,
      },
      WITH_ROOT_KEYS.secrets,
    );
    const engine = new VaultAwsEngine("eng", vaultAwsEngineArgs(side));
    new TfcJwtTrust("trust", tfcJwtTrustArgs(side, engine, pulumi.output(WS_ID)));
    for (let i = 0; i < 4; i++) await settled();
    seedVaultDouble(vault, recorder.resources, { mountUser: ROOT_USER });

    // The engine's IAM user and its one key, given to the stack as the root key.
    aws.createUser(ROOT_USER);
    const key = aws.createAccessKey(ROOT_USER);
    const recorded = plain(recorder.one("pulumi-nodejs:dynamic/vault:RotateRoot", "eng-rotate-root").inputs);
    await host.configure({ "vault:address": vault.address, "vault:token": vault.rootToken });
    const checked = await host.check(
      {},
      {
        ...(recorded as Record<string, unknown>),
        accessKey: key.accessKeyId,
        secretKey: key.secretAccessKey,
      },
    );
    assert.deepEqual(checked.failures, []);
    await host.create(checked.inputs);
    assert.deepEqual(aws.accessKeysOf(ROOT_USER), [vault.awsRootConfig("aws")!.access_key], "rotated");

    const login = await fetch(`${vault.address}/v1/auth/jwt-tfc/login`, {
      method: "POST",
      body: JSON.stringify({
        role: "tfc-plan",
        jwt: issuer.issue({
          organization: "acme",
          project: "Platform Team",
          workspace: "network-prod",
          workspaceId: WS_ID,
          audience: "vault.workload.identity",
          runId: "run-rot123",
          phase: "plan",
        }),
      }),
    });
    const auth = ((await login.json()) as { auth: { client_token: string } }).auth;
    const creds = await fetch(`${vault.address}/v1/aws/creds/tfc-plan`, {
      headers: { "X-Vault-Token": auth.client_token },
    });
    assert.equal(creds.status, 200);
    const leaseId = ((await creds.json()) as { lease_id: string }).lease_id;
    const user = vault.liveLeases().find((l) => l.leaseId === leaseId)!.userName!;
    // Role, then the display name (JWT mount `jwt-tfc`, then organization.project.workspace),
    // cut at 40: with the default role and mount names the workspace keeps its first 4
    // characters here (docs/audit-trail.md). Vault's default would start `vault-jwt-tfc-organization_`.
    const lead = "tfc-plan-jwt-tfc-acme.Platform_Team.network-prod".slice(0, 40);
    assert.equal(lead, "tfc-plan-jwt-tfc-acme.Platform_Team.netw");
    assert.match(user, new RegExp(`^vault-${lead.replace(/\./g, "\\.")}-\\d{10}-[0-9A-Za-z]{6}$`));
    assert.ok(aws.userNames().includes(user));
  });
});
