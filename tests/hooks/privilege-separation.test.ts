/**
 * The trust boundary on the agent (docs/hooks.md, "Privilege separation"), held against the run's
 * code as a REAL other user: the hooks run as a throwaway "hooks" uid through the rendered sudo
 * rule, and the run's code (the stand-in Terraform, external data sources, local-exec) runs as a
 * throwaway "agent" uid, the same uid as the hook launchers, as on the agent. Both users exist only
 * in private mount namespaces (tests/support/agent-host.ts); nothing is left on the machine.
 *
 * Needs root (CI runs as root), sudo, unshare and setpriv; otherwise each test is skipped with the
 * reason. The reproductions each test answers are named (issue 9; the repros r1, r3, r4).
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { dropToAgent, hooksDir } from "../../hooks/src/layout";
import { AgentHost, separationUnavailable } from "../support/agent-host";
import type { AgentSimulator, Phase, ProcessResult } from "../support/agent-simulator";
import { assertCleanAfterRun } from "./assertions";
import { RUN, World } from "./world";

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, durationMs: performance.now() - started }));
  });
}

describe("hooks: privilege separation against run code as another uid", function () {
  this.timeout(60_000);
  const why = separationUnavailable();
  let world: World;
  let host: AgentHost;
  let sim: AgentSimulator;

  beforeEach(async function () {
    if (why !== undefined) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    world = await World.start();
    host = new AgentHost("separated");
    sim = world.simulator({ host });
  });

  afterEach(async function () {
    if (why !== undefined) return;
    try {
      if (this.currentTest?.state === "passed") await assertCleanAfterRun(world, sim);
    } finally {
      sim.dispose();
      host.dispose();
      await world.stop();
    }
  });

  /** Runs `script` with Node as the agent user, in the run environment a real agent gives Terraform. */
  function asRunCode(script: string, env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
    const cmd = host.asAgent(host.layout.node, ["-e", script]);
    return run(cmd.file, cmd.args, { HOME: sim.home, STATE_DIR: host.layout.stateDir, ...env });
  }

  /** pre hook; `between` as run code (as the agent user); post hook. */
  async function phaseWithRunCode(
    phase: Phase,
    between: string,
    extraEnv: Readonly<Record<string, string>> = {},
  ): Promise<{ pre: ProcessResult; evil: ProcessResult; post: ProcessResult; agentEnv: string }> {
    const envFile = sim.agentEnvFile(`${phase}.env`);
    const jwt = world.issuer.issue({ ...RUN, phase, runId: sim.runId });
    const pre = await sim.runHook(`terraform-pre-${phase}`, sim.hookEnv(envFile, jwt, extraEnv));
    const agentEnv = fs.readFileSync(envFile, "utf8");
    const evil = await asRunCode(between, { ...sim.hookEnv(envFile, jwt), STATE_DIR: host.layout.stateDir });
    fs.rmSync(envFile, { force: true });
    const post = await sim.runHook(`terraform-post-${phase}`, sim.hookEnv(envFile, null));
    return { pre, evil, post, agentEnv };
  }

  it("a whole run works through sudo: the hooks run as the hooks' uid, Terraform gets the keys, the post hook revokes", async () => {
    const results = await sim.runRun();
    assert.equal(results.length, 2);
    for (const r of results) {
      assert.equal(r.pre.code, 0, r.pre.stderr);
      assert.match(
        r.agentEnv,
        /^AWS_ACCESS_KEY_ID=AKIA\w+\nAWS_SECRET_ACCESS_KEY=\S+\nTF_VAR_tfc_vault_backed_aws_dynamic_credentials=\{"default":\{"shared_credentials_file":"\/\S+\/run-\w+-(plan|apply)\/credentials"\},"aliases":\{\}\}\nTFC_WORKLOAD_IDENTITY_TOKEN=\n$/,
      );
      assert.equal(r.terraform?.code, 0, r.terraform?.stderr);
      assert.equal(r.post.code, 0, r.post.stderr);
      assert.match(r.post.stdout, /revoked lease aws\/creds\/\w+\//);
    }
  });

  it("run code cannot read, replace or delete the hooks' state, and the post hook still revokes (repro r1)", async () => {
    const { pre, evil, post } = await phaseWithRunCode(
      "plan",
      `const fs = require("fs"), path = require("path");
       const dir = process.env.STATE_DIR, file = path.join(dir, process.env.TFC_RUN_ID + "-plan.json");
       const tries = {
         list: () => fs.readdirSync(dir),
         read: () => fs.readFileSync(file, "utf8"),
         replace: () => fs.writeFileSync(file, JSON.stringify({ version: 2, status: "issued", token: "hvs.NotTheRealToken" })),
         delete: () => fs.rmSync(file),
         plant: () => fs.writeFileSync(path.join(dir, "x.json"), "{}"),
       };
       const out = {};
       for (const [k, f] of Object.entries(tries)) { try { f(); out[k] = "DONE"; } catch (e) { out[k] = e.code; } }
       console.log(JSON.stringify(out));`,
    );
    assert.equal(pre.code, 0, pre.stderr);
    assert.deepEqual(JSON.parse(evil.stdout.trim()), {
      list: "EACCES",
      read: "EACCES",
      replace: "EACCES",
      delete: "EACCES",
      plant: "EACCES",
    });
    assert.equal(post.code, 0, post.stderr);
    assert.match(
      post.stdout,
      /revoked lease aws\/creds\/plan\/\S+ .*Vault's lookup confirms the lease is gone/,
    );
    const state = sim.stateFile("plan");
    assert.equal(fs.existsSync(state), false);
  });

  it("the state file belongs to the hooks' uid, mode 0600, in a 0700 dir, while the phase runs", async () => {
    const envFile = sim.agentEnvFile("plan.env");
    const jwt = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
    const pre = await sim.runHook("terraform-pre-plan", sim.hookEnv(envFile, jwt));
    assert.equal(pre.code, 0, pre.stderr);
    const st = fs.statSync(sim.stateFile("plan"));
    assert.equal(st.uid, host.hooksUid, JSON.stringify({ st, stdout: pre.stdout, stderr: pre.stderr }));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(fs.statSync(host.layout.stateDir).mode & 0o777, 0o700);
    fs.rmSync(envFile);
    assert.equal((await sim.runHook("terraform-post-plan", sim.hookEnv(envFile, null))).code, 0);
  });

  it("NODE_OPTIONS, NODE_COMPILE_CACHE, NODE_EXTRA_CA_CERTS and PATH in the agent's environment do not reach the hook's Node", async () => {
    const marker = path.join(host.root, "node-options-ran");
    const evilModule = path.join(host.root, "evil.cjs");
    fs.writeFileSync(
      evilModule,
      `require("fs").writeFileSync(${JSON.stringify(marker)}, process.env.TFC_WORKLOAD_IDENTITY_TOKEN || "ran");`,
      {
        mode: 0o644,
      },
    );
    const planted = path.join(host.root, "planted-cache");
    fs.mkdirSync(planted, { mode: 0o777 });
    fs.chmodSync(planted, 0o777);
    const fakeBin = path.join(host.root, "fake-bin");
    fs.mkdirSync(fakeBin, { mode: 0o755 });
    fs.writeFileSync(path.join(fakeBin, "node"), `#!/bin/sh\necho fake node >> ${marker}\n`, { mode: 0o755 });
    const { pre, post } = await phaseWithRunCode("plan", "", {
      NODE_OPTIONS: `--require=${evilModule} --import=data:text/javascript,require("fs").writeFileSync(${JSON.stringify(marker)},"import")`,
      NODE_COMPILE_CACHE: planted,
      NODE_EXTRA_CA_CERTS: evilModule,
      PATH: `${fakeBin}:/usr/bin:/bin`,
    });
    assert.equal(pre.code, 0, pre.stderr);
    assert.equal(post.code, 0, post.stderr);
    assert.equal(fs.existsSync(marker), false, "code from the agent's environment ran in the hook");
    assert.deepEqual(fs.readdirSync(planted), [], "the hook used a compile cache the run chose");
  });

  it("the agent user may start the four hooks through sudo, and nothing else: no other command, no arguments, no other user", async () => {
    const l = host.layout;
    const attempts: Array<[string, string[]]> = [
      ["shell as the hooks' user", ["-n", "-u", l.hooksUser, "/bin/sh", "-c", "id"]],
      [
        "a hook with an argument",
        ["-n", "-u", l.hooksUser, `${l.installDir}/libexec/terraform-post-plan`, "x"],
      ],
      ["a hook as root", ["-n", "-u", "root", `${l.installDir}/libexec/terraform-post-plan`]],
      ["node as the hooks' user", ["-n", "-u", l.hooksUser, l.node, "-e", "1"]],
    ];
    for (const [what, args] of attempts) {
      const cmd = host.asAgent(l.sudo, args);
      const r = await run(cmd.file, cmd.args, {});
      assert.notEqual(r.code, 0, `${what}: sudo allowed it`);
      assert.match(r.stderr, /sudo: (a password is required|sorry|.*not allowed)/i, `${what}: ${r.stderr}`);
    }
  });

  it("run code cannot rename the hooks directory out of the way or plant its own hooks (repro r3)", async () => {
    const hooks = hooksDir(host.layout);
    const data = host.layout.dataDir;
    const r = await asRunCode(
      `const fs = require("fs");
       const out = {};
       for (const [k, f] of Object.entries({
         rename: () => fs.renameSync(${JSON.stringify(hooks)}, ${JSON.stringify(`${hooks}.orig`)}),
         remove: () => fs.rmSync(${JSON.stringify(hooks)}, { recursive: true }),
         edit: () => fs.appendFileSync(${JSON.stringify(`${hooks}/terraform-post-plan`)}, "echo PLANTED\\n"),
         plant: () => fs.writeFileSync(${JSON.stringify(`${hooks}/terraform-pre-apply.new`)}, "#!/bin/sh\\n"),
         ownEntry: () => fs.mkdirSync(${JSON.stringify(`${data}/work`)}),
       })) { try { f(); out[k] = "DONE"; } catch (e) { out[k] = e.code; } }
       console.log(JSON.stringify(out));`,
    );
    assert.equal(r.code, 0, r.stderr);
    // The agent still creates its own entries in its data dir; the hooks dir is out of reach.
    const out = JSON.parse(r.stdout.trim()) as Record<string, string>;
    assert.deepEqual(out, {
      rename: "EPERM",
      remove: out.remove === "EPERM" ? "EPERM" : "EACCES",
      edit: "EACCES",
      plant: "EACCES",
      ownEntry: "DONE",
    });
    assert.equal(fs.readFileSync(path.join(hooks, "terraform-post-plan"), "utf8").includes("PLANTED"), false);
  });

  it("the same rename succeeds when the data dir is the agent's own, as before the fix (so the test can fail)", async () => {
    const data = host.layout.dataDir;
    fs.chmodSync(data, 0o755);
    fs.chownSync(data, host.agentUid, host.agentUid);
    const hooks = hooksDir(host.layout);
    const r = await asRunCode(
      `require("fs").renameSync(${JSON.stringify(hooks)}, ${JSON.stringify(`${hooks}.orig`)}); console.log("renamed");`,
    );
    assert.equal(r.stdout.trim(), "renamed", r.stderr);
    fs.renameSync(`${hooks}.orig`, hooks);
  });

  describe("the agent's environ (TFC_AGENT_TOKEN) and run code (repro r4)", () => {
    const TOKEN = "agent-pool-token.atlasv1.SeeminglySecretValue0123456789";
    const READ_ENVIRON = `const pid = process.argv[1];
      try { const env = require("fs").readFileSync("/proc/" + pid + "/environ", "utf8");
            console.log(env.split("\\0").find((l) => l.startsWith("TFC_AGENT_TOKEN=")) ?? "absent"); }
      catch (e) { console.log(e.code); }`;

    /**
     * A stand-in agent: `binary` (a copy of sleep, root-owned with `mode`) started from root the way
     * the image's start script starts the agent (layout.ts dropToAgent), with the token in its env.
     */
    async function readEnvironOf(
      mode: number,
      start = (bin: string) => dropToAgent(host.layout, [bin, "20"]),
    ): Promise<string> {
      const binary = path.join(host.root, `agent-standin-${mode.toString(8)}`);
      fs.copyFileSync("/bin/sleep", binary);
      fs.chmodSync(binary, mode);
      const [file, ...args] = start(binary);
      const cmd = host.asRoot(file, args);
      const agent = spawn(cmd.file, cmd.args, { env: { TFC_AGENT_TOKEN: TOKEN }, stdio: "ignore" });
      try {
        // unshare and setpriv exec in place: the pid is the stand-in's once it runs the binary.
        const pid = agent.pid ?? 0;
        for (let i = 0; i < 200 && fs.readlinkSync(`/proc/${pid}/exe`) !== binary; i++)
          await new Promise((r) => setTimeout(r, 25));
        const read = host.asAgent(host.layout.node, ["-e", READ_ENVIRON, String(pid)]);
        const r = await run(read.file, read.args, {});
        return r.stdout.trim();
      } finally {
        agent.kill("SIGKILL");
      }
    }

    it("an agent started from a root-owned execute-only (0711) binary is not dumpable: run code as the same uid gets EACCES", async () => {
      assert.equal(await readEnvironOf(0o711), "EACCES");
    });

    it("the same agent from a readable (0755) binary leaks its token to run code (so the test can fail)", async () => {
      assert.equal(await readEnvironOf(0o755), `TFC_AGENT_TOKEN=${TOKEN}`);
    });

    it("started by setpriv's own exec (no unprivileged hop), even a 0711 binary stays readable: why dropToAgent goes through env", async () => {
      const direct = (bin: string) =>
        dropToAgent(host.layout, [bin, "20"]).filter((a) => a !== host.layout.env);
      assert.equal(await readEnvironOf(0o711, direct), `TFC_AGENT_TOKEN=${TOKEN}`);
    });
  });
});

describe("hooks: the wrapper alone keeps the agent's Node settings out (any user, no sudo)", function () {
  this.timeout(60_000);

  it("NODE_OPTIONS=--import=data:... and --require in the hook environment run nothing in the hook (issue 9, finding 4)", async () => {
    const world = await World.start();
    const host = new AgentHost("direct");
    const sim = world.simulator({ host });
    try {
      const marker = path.join(host.root, "ran");
      const evil = path.join(host.root, "evil.cjs");
      fs.writeFileSync(evil, `require("fs").writeFileSync(${JSON.stringify(marker)}, "require");`);
      const envFile = sim.agentEnvFile("plan.env");
      const jwt = world.issuer.issue({ ...RUN, phase: "plan", runId: sim.runId });
      const pre = await sim.runHook(
        "terraform-pre-plan",
        sim.hookEnv(envFile, jwt, {
          NODE_OPTIONS: `--require=${evil} --import=data:text/javascript,require("fs").writeFileSync(${JSON.stringify(marker)},"import")`,
        }),
      );
      assert.equal(pre.code, 0, pre.stderr);
      assert.equal(fs.existsSync(marker), false, "NODE_OPTIONS ran code in the hook");
      fs.rmSync(envFile);
      const post = await sim.runHook("terraform-post-plan", sim.hookEnv(envFile, null));
      assert.equal(post.code, 0, post.stderr);
      await assertCleanAfterRun(world, sim);
    } finally {
      sim.dispose();
      host.dispose();
      await world.stop();
    }
  });
});
