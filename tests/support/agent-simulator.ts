/**
 * An HCP Terraform agent stand-in: runs the hook launchers the image ships (hooks/src/layout.ts,
 * with the BUILT bundles from hooks/dist) on an AgentHost, as child processes, with the environment
 * an agent gives them (workspace variables, the phase's workload identity token, TFC_RUN_ID,
 * TFC_WORKSPACE_NAME, TFC_AGENT_ENV, HOME), and between the
 * pre and post hook a stand-in "terraform" process that uses the credentials from
 * `$TFC_AGENT_ENV` against the AWS double. Post hooks run even when the operation failed, like the
 * agent (>= 1.5); the apply phase runs only after a successful plan.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AgentHost, REPO_ROOT } from "./agent-host";
import type { AwsDouble } from "./aws-double";
import type { RunIdentity, TokenIssuer } from "./token-issuer";

export { HOOKS_DIST, REPO_ROOT } from "./agent-host";

export type Phase = "plan" | "apply";
export type HookName =
  "terraform-pre-plan" | "terraform-post-plan" | "terraform-pre-apply" | "terraform-post-apply";

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface PhaseResult {
  readonly phase: Phase;
  readonly pre: ProcessResult;
  /** Undefined when the pre hook failed (the agent does not start Terraform). */
  readonly terraform?: ProcessResult;
  readonly post: ProcessResult;
  /** What the pre hook wrote to $TFC_AGENT_ENV (the file itself is gone after the operation). */
  readonly agentEnv: string;
}

export interface SimulatorOptions {
  readonly issuer: TokenIssuer;
  readonly aws: AwsDouble;
  /** Organization, project, workspace, audience of the run. */
  readonly run: Omit<RunIdentity, "phase" | "runId">;
  /** Workspace environment variables (TFC_VAULT_ADDR, roles...). */
  readonly workspaceEnv: Readonly<Record<string, string>>;
  /** Agent-side environment (TFC_AGENT_HOOK_*_TIMEOUT...). */
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** Replaces the phase's token (forged, wrong phase...); `null` = no token injected. */
  readonly tokenFor?: (phase: Phase, issue: (run: RunIdentity) => string) => string | null;
  /** The machine the hooks run on; default a fresh "direct" one, disposed with the simulator. */
  readonly host?: AgentHost;
  /** The stand-in Terraform's script (run with `node -e` in the repo root); default TERRAFORM_STANDIN. */
  readonly terraform?: string;
}

/** The stand-in Terraform: calls sts:GetCallerIdentity with only the env it was given. */
const TERRAFORM_STANDIN = `
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
new STSClient({ region: "us-east-1", maxAttempts: 1 }).send(new GetCallerIdentityCommand({}))
  .then((r) => { console.log("terraform: acting as " + r.Arn); })
  .catch((e) => { console.error("terraform: AWS refused: " + e.name); process.exitCode = 1; });
`;

/**
 * A stand-in for the agent process itself: a long-lived process (the agent user's) that starts
 * each hook launcher as its child when asked on stdin, and reports the result on stdout. It lives
 * between hooks, as the agent does, so the keeper has an agent to watch, and a test can kill it
 * (the agent or its task killed after the pre hook).
 */
const AGENT_STANDIN = `
const { spawn } = require("node:child_process");
require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => {
  const { file, env, cwd } = JSON.parse(line);
  const child = spawn(file, [], { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.on("close", (code) => process.stdout.write(JSON.stringify({ code, stdout, stderr }) + "\\n"));
});
`;

export class StandInAgent {
  private readonly child: ReturnType<typeof spawn>;
  private buffered = "";
  private waiting: ((line: string) => void) | undefined;
  private exited = false;

  constructor(private readonly sim: AgentSimulator) {
    const cmd = sim.host.asAgent(sim.host.layout.node, ["-e", AGENT_STANDIN]);
    this.child = spawn(cmd.file, cmd.args, { stdio: ["pipe", "pipe", "inherit"], cwd: sim.home });
    this.child.on("exit", () => (this.exited = true));
    this.child.stdout?.on("data", (d: Buffer) => {
      this.buffered += d.toString("utf8");
      const at = this.buffered.indexOf("\n");
      if (at >= 0 && this.waiting) {
        const line = this.buffered.slice(0, at);
        this.buffered = this.buffered.slice(at + 1);
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      }
    });
  }

  /** The agent's pid (the launchers' parent). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Runs one hook launcher as this agent's child. */
  async runHook(name: HookName, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
    const started = performance.now();
    const line = await new Promise<string>((resolve) => {
      this.waiting = resolve;
      this.child.stdin?.write(
        `${JSON.stringify({ file: this.sim.host.launcher(name), env, cwd: this.sim.home })}\n`,
      );
    });
    const r = JSON.parse(line) as { code: number | null; stdout: string; stderr: string };
    const result = { ...r, durationMs: performance.now() - started };
    this.sim.outputs.push(result);
    return result;
  }

  /** The agent dies (SIGKILL): no post hook will run. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGKILL");
    await gone;
  }
}

function runProcess(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  killWhen?: () => boolean,
): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // Its own process group: a kill reaches the launcher and the hook it started, as a timeout would.
    const child = spawn(file, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    // The agent kills a hook at its timeout; tests pick the moment.
    const poll = killWhen
      ? setInterval(() => {
          if (killWhen() && child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        }, 10)
      : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      if (poll) clearInterval(poll);
      resolve({ code, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

export class AgentSimulator {
  /** The agent's HOME (a fresh temp dir per simulator). */
  readonly home: string;
  readonly runId = `run-${randomBytes(8).toString("hex")}`;
  /** Every workload identity token handed to a hook (for secret scans). */
  readonly tokens: string[] = [];
  /** Every hook and Terraform process, in order (for secret scans of their output). */
  readonly outputs: ProcessResult[] = [];
  readonly host: AgentHost;
  private readonly ownsHost: boolean;

  constructor(private readonly options: SimulatorOptions) {
    this.host = options.host ?? new AgentHost("direct");
    this.ownsHost = options.host === undefined;
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-agent-home-"));
    this.host.giveToAgent(this.home);
  }

  /** Removes the agent's HOME (and the host, when the simulator made it). */
  dispose(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
    if (this.ownsHost) this.host.dispose();
  }

  /** A new empty $TFC_AGENT_ENV file, the agent user's. */
  agentEnvFile(name: string): string {
    const envDir = path.join(this.home, "agent-env");
    fs.mkdirSync(envDir, { recursive: true, mode: 0o700 });
    this.host.giveToAgent(envDir);
    const file = path.join(envDir, name);
    fs.writeFileSync(file, "", { mode: 0o600 });
    this.host.giveToAgent(file);
    return file;
  }

  /** A long-lived stand-in agent process that runs the hooks as its children. */
  startAgent(): StandInAgent {
    return new StandInAgent(this);
  }

  /** What Terraform would get from a $TFC_AGENT_ENV file's lines. */
  credentialsFrom(agentEnv: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const line of agentEnv.split("\n")) {
      const at = line.indexOf("=");
      if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
    }
    return env;
  }

  /** The state file the pre hook keeps for its post hook. */
  stateFile(phase: Phase): string {
    return path.join(this.host.layout.stateDir, `${this.runId}-${phase}.json`);
  }

  /** The keeper's record next to it (hooks/src/keeper-record.ts). */
  keeperFile(phase: Phase): string {
    return path.join(this.host.layout.stateDir, `${this.runId}-${phase}.keeper.json`);
  }

  isDisposed(): boolean {
    return !fs.existsSync(this.home);
  }

  private tokenFor(phase: Phase): string | null {
    const issue = (run: RunIdentity): string => this.options.issuer.issue(run);
    const identity: RunIdentity = { ...this.options.run, phase, runId: this.runId };
    const token = this.options.tokenFor ? this.options.tokenFor(phase, issue) : issue(identity);
    if (token !== null) this.tokens.push(token);
    return token;
  }

  /**
   * The tagged workload identity tokens: for each workspace variable
   * `TFC_WORKLOAD_IDENTITY_AUDIENCE_<TAG>`, the agent (>= 1.12) injects
   * `TFC_WORKLOAD_IDENTITY_TOKEN_<TAG>` with that audience (docs/upstream-behaviour.md,
   * "Tagged configurations").
   */
  private taggedTokens(phase: Phase): Record<string, string> {
    const tokens: Record<string, string> = {};
    for (const [name, audience] of Object.entries(this.options.workspaceEnv)) {
      const m = /^TFC_WORKLOAD_IDENTITY_AUDIENCE_([A-Za-z0-9_]+)$/.exec(name);
      if (!m) continue;
      const token = this.options.issuer.issue({ ...this.options.run, audience, phase, runId: this.runId });
      this.tokens.push(token);
      tokens[`TFC_WORKLOAD_IDENTITY_TOKEN_${m[1]}`] = token;
    }
    return tokens;
  }

  /** The environment the agent gives a hook (nothing inherited from the test process but PATH). */
  hookEnv(
    agentEnvFile: string,
    token: string | null,
    extra: Readonly<Record<string, string>> = {},
  ): NodeJS.ProcessEnv {
    return {
      // The image's Node first, as /usr/local/bin/node is in the image.
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: this.home,
      TFC_RUN_ID: this.runId,
      TFC_WORKSPACE_NAME: this.options.run.workspace,
      TFC_AGENT_ENV: agentEnvFile,
      AWS_ENDPOINT_URL_STS: this.options.aws.stsEndpoint,
      ...(token === null ? {} : { TFC_WORKLOAD_IDENTITY_TOKEN: token }),
      ...(this.options.agentEnv ?? {}),
      ...this.options.workspaceEnv,
      ...extra,
    };
  }

  /** Runs one built hook file as the agent would. */
  async runHook(name: HookName, env: NodeJS.ProcessEnv, killWhen?: () => boolean): Promise<ProcessResult> {
    const cmd = this.host.asAgent(this.host.launcher(name));
    const result = await runProcess(cmd.file, cmd.args, env, this.home, killWhen);
    this.outputs.push(result);
    return result;
  }

  /** pre hook, Terraform (only if the pre hook succeeded), post hook (always). */
  async runPhase(phase: Phase): Promise<PhaseResult> {
    const agentEnvFile = this.agentEnvFile(`${phase}.env`);
    const token = this.tokenFor(phase);
    const pre = await this.runHook(
      `terraform-pre-${phase}`,
      this.hookEnv(agentEnvFile, token, this.taggedTokens(phase)),
    );
    const agentEnv = fs.readFileSync(agentEnvFile, "utf8");
    let terraform: ProcessResult | undefined;
    if (pre.code === 0) {
      const tf = this.host.asAgent(this.host.layout.node, [
        "-e",
        this.options.terraform ?? TERRAFORM_STANDIN,
      ]);
      terraform = await runProcess(tf.file, tf.args, this.terraformEnv(agentEnv), REPO_ROOT);
      this.outputs.push(terraform);
    }
    // The operation is over: its TFC_AGENT_ENV file goes away with it.
    fs.rmSync(agentEnvFile, { force: true });
    // Whether the agent injects the token into post hooks is unconfirmed (docs/upstream-behaviour.md): give none.
    const post = await this.runHook(`terraform-post-${phase}`, this.hookEnv(agentEnvFile, null));
    return { phase, pre, post, agentEnv, ...(terraform ? { terraform } : {}) };
  }

  /** A whole run: plan, then apply if the plan succeeded. */
  async runRun(): Promise<PhaseResult[]> {
    const plan = await this.runPhase("plan");
    if (plan.pre.code !== 0 || plan.terraform?.code !== 0 || plan.post.code !== 0) return [plan];
    return [plan, await this.runPhase("apply")];
  }

  /** Terraform gets only what the agent passes: AWS_* from $TFC_AGENT_ENV, the STS endpoint. */
  private terraformEnv(agentEnv: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: this.home,
      AWS_ENDPOINT_URL_STS: this.options.aws.stsEndpoint,
      AWS_EC2_METADATA_DISABLED: "true",
    };
    for (const line of agentEnv.split("\n")) {
      const at = line.indexOf("=");
      if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
    }
    return env;
  }

  /** Every regular file left under the agent's HOME, the hooks' state dir and credentials dir, with its content. */
  leftoverFiles(): Array<{ file: string; content: string; mode: number }> {
    const found: Array<{ file: string; content: string; mode: number }> = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile())
          found.push({
            file: full,
            content: fs.readFileSync(full, "latin1"),
            mode: fs.statSync(full).mode & 0o777,
          });
      }
    };
    walk(this.home);
    walk(this.host.layout.stateDir);
    if (fs.existsSync(this.host.layout.credentialsDir)) walk(this.host.layout.credentialsDir);
    return found;
  }

  /** Places where `secrets` appear: hook/Terraform output and leftover files. Empty = clean. */
  secretLeaks(secrets: readonly string[]): string[] {
    const leaks: string[] = [];
    const all = [...secrets, ...this.tokens].filter((s) => s.length >= 8);
    this.outputs.forEach((out, i) => {
      // Terraform's own output is allowed its caller ARN, never a key: scanned like the hooks'.
      for (const s of all) {
        if (out.stdout.includes(s) || out.stderr.includes(s))
          leaks.push(`process #${i} output contains ${s.slice(0, 4)}...`);
      }
    });
    for (const { file, content } of this.leftoverFiles()) {
      for (const s of all) if (content.includes(s)) leaks.push(`${file} contains ${s.slice(0, 4)}...`);
    }
    return leaks;
  }
}
