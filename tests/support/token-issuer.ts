/**
 * A stand-in for HCP Terraform's workload identity token issuer: RS256-signed JWTs with the
 * real claim set (docs/upstream-behaviour.md, "Workload identity tokens"), and the discovery document and JWKS at
 * `<issuer>/.well-known/openid-configuration` and `<issuer>/.well-known/jwks`. Listens on 127.0.0.1.
 */
import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { TestCa } from "./test-ca";

export interface RunIdentity {
  readonly organization: string;
  readonly project: string;
  readonly workspace: string;
  readonly phase: "plan" | "apply";
  readonly audience: string | readonly string[];
  readonly runId?: string;
  readonly organizationId?: string;
  readonly projectId?: string;
  readonly workspaceId?: string;
}

export interface IssueOptions {
  /** Extra or replacing claims (applied last). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Seconds from now; default 3600 (the phase timeout). */
  readonly expiresIn?: number;
  /** Sign with a key the JWKS does not publish (forged token). */
  readonly foreignKey?: boolean;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

export class TokenIssuer {
  private readonly kid = randomUUID();
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly foreign: KeyObject;
  private server: http.Server | undefined;
  private base = "";

  private constructor() {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
    }));
    this.foreign = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  }

  /** Starts the issuer (https with `ca`'s certificate when given). */
  static async start(ca?: TestCa): Promise<TokenIssuer> {
    const issuer = new TokenIssuer();
    const handler: http.RequestListener = (req, res) => issuer.handle(req, res);
    const server = ca ? https.createServer(await ca.serverCert(), handler) : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    issuer.server = server;
    issuer.base = `${ca ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return issuer;
  }

  /** The `iss` claim and the base of the discovery URLs. */
  get issuer(): string {
    return this.base;
  }

  get jwksUrl(): string {
    return `${this.base}/.well-known/jwks`;
  }

  /** The public key as PEM (for `jwt_validation_pubkeys`). */
  get publicKeyPem(): string {
    return this.publicKey.export({ type: "spki", format: "pem" }).toString();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The claims HCP Terraform puts in a workload identity token for this run phase. */
  claimsFor(run: RunIdentity, expiresIn = 3600): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const full = `organization:${run.organization}:project:${run.project}:workspace:${run.workspace}`;
    return {
      jti: randomUUID(),
      iss: this.base,
      aud: run.audience,
      iat: now,
      nbf: now,
      exp: now + expiresIn,
      sub: `${full}:run_phase:${run.phase}`,
      terraform_organization_id: run.organizationId ?? "org-AbCdEf123456",
      terraform_organization_name: run.organization,
      terraform_project_id: run.projectId ?? "prj-AbCdEf123456",
      terraform_project_name: run.project,
      terraform_workspace_id: run.workspaceId ?? "ws-AbCdEf123456",
      terraform_workspace_name: run.workspace,
      terraform_full_workspace: full,
      terraform_run_id: run.runId ?? "run-AbCdEf123456",
      terraform_run_phase: run.phase,
    };
  }

  /** A signed token for `run`. */
  issue(run: RunIdentity, options: IssueOptions = {}): string {
    return this.sign(
      { ...this.claimsFor(run, options.expiresIn), ...(options.claims ?? {}) },
      options.foreignKey,
    );
  }

  /** Signs arbitrary claims with the issuer's (or a foreign) key. */
  sign(claims: Readonly<Record<string, unknown>>, foreignKey = false): string {
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    const signer = createSign("RSA-SHA256");
    signer.update(`${header}.${payload}`);
    const signature = b64url(signer.sign(foreignKey ? this.foreign : this.privateKey));
    return `${header}.${payload}.${signature}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const json = (body: unknown): void => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") {
      json({
        issuer: this.base,
        jwks_uri: this.jwksUrl,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    } else if (req.url === "/.well-known/jwks") {
      json({
        keys: [{ ...this.publicKey.export({ format: "jwk" }), kid: this.kid, alg: "RS256", use: "sig" }],
      });
    } else {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: ["not found"] }));
    }
  }
}
