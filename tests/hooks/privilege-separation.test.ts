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
import { CREDENTIALS_DIR_VARIABLE, STATE_DIR_VARIABLE } from "../../hooks/src/contract";
import { bundlePath, compileCacheDir, dropToAgent, hooksDir, wrapperPath } from "../../hooks/src/layout";
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

/**
 * Tagged configurations through the plumbing alone (launcher -> sudo -> wrapper -> Node), with a
 * probe in place of the pre-plan hook's bundle: it reports the environment its Node got and prints
 * the lines a test gives it, as the hooks' user. "separated" runs the real sudo rule with real
 * other uids (root only); "direct" runs the wrapper without sudo, so its own filter is all there is.
 */
for (const mode of ["separated", "direct"] as const) {
  describe(`hooks: tagged configurations through launcher, sudo and wrapper (${mode})`, function () {
    this.timeout(60_000);
    const why = mode === "separated" ? separationUnavailable() : undefined;
    let host: AgentHost;
    let agentEnv: string;
    let marker: string;
    let evil: string;

    beforeEach(function () {
      if (why !== undefined) {
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      host = new AgentHost(mode);
      agentEnv = path.join(host.root, "agent.env");
      fs.writeFileSync(agentEnv, "");
      host.giveToAgent(agentEnv);
      // Code that announces itself if any Node of the hooks ever loads it.
      marker = path.join(host.root, "node-options-ran");
      evil = path.join(host.root, "evil.cjs");
      fs.writeFileSync(evil, `require("fs").writeFileSync(${JSON.stringify(marker)}, "ran");`, {
        mode: 0o644,
      });
    });

    afterEach(function () {
      if (why === undefined) host.dispose();
    });

    /**
     * The pre-plan hook's bundle becomes a probe: prints `PROBE <json>` (its uid and environment),
     * then `lines`, writes a shared credentials file the way the hooks do (a 0755 dir of the run
     * and phase, a 0444 file) when `credentialsFile`, and exits with `code`.
     */
    function installProbe(lines: readonly string[], code = 0, credentialsFile = false): void {
      const probe = `const fs = require("fs"), path = require("path");
        const env = process.env;
        if (${credentialsFile}) {
          const dir = path.join(env.${CREDENTIALS_DIR_VARIABLE}, env.TFC_RUN_ID + "-plan");
          fs.mkdirSync(dir, { mode: 0o755 });
          fs.writeFileSync(path.join(dir, "default"), "[default]\\naws_access_key_id = AKIAPROBE\\n", { mode: 0o444 });
        }
        process.stdout.write("PROBE " + JSON.stringify({ uid: process.getuid(), env }) + "\\n");
        process.stdout.write(${JSON.stringify(lines.map((l) => `${l}\n`).join(""))});
        process.exitCode = ${code};`;
      fs.writeFileSync(bundlePath(host.layout, "terraform-pre-plan"), probe, { mode: 0o644 });
    }

    async function preHook(env: NodeJS.ProcessEnv): Promise<{
      result: ProcessResult;
      probe: { uid: number; env: Record<string, string> };
      printed: string[];
    }> {
      const cmd = host.asAgent(host.launcher("terraform-pre-plan"));
      const result = await run(cmd.file, cmd.args, {
        PATH: "/usr/bin:/bin",
        TFC_AGENT_ENV: agentEnv,
        ...env,
      });
      const lines = result.stdout.split("\n");
      const probeLine = lines.find((l) => l.startsWith("PROBE "));
      assert.ok(probeLine, JSON.stringify(result));
      return {
        result,
        probe: JSON.parse(probeLine.slice("PROBE ".length)) as { uid: number; env: Record<string, string> },
        printed: lines.filter((l) => l !== "" && !l.startsWith("PROBE ")),
      };
    }

    const SMUGGLED = `\nNODE_OPTIONS=--require=EVIL\nTFC_VAULT_ADDR_Q=https://smuggled.example`;
    /** Names the hook reads, tagged (one lowercase tag, one empty value), and what must stay out. */
    function hostileEnv(): NodeJS.ProcessEnv {
      const smuggled = SMUGGLED.replace("EVIL", evil);
      return {
        TFC_RUN_ID: "run-Probe123",
        TFC_VAULT_ADDR: "https://vault.example:8200",
        TFC_WORKLOAD_IDENTITY_TOKEN: "jwt.default",
        TFC_VAULT_ADDR_X: `https://x.example:8200${smuggled}`,
        TFC_WORKLOAD_IDENTITY_TOKEN_X: "jwt.x",
        TFC_VAULT_BACKED_AWS_AUTH_TYPE_X: "assumed_role",
        TFC_VAULT_BACKED_AWS_AUTH_spoke_1: "false",
        TFC_VAULT_BACKED_AWS_VAULT_CONFIG_spoke_1: "X",
        TFC_VAULT_RUN_ROLE_E: "",
        NODE_OPTIONS: `--require=${evil}`,
        NODE_OPTIONS_X: `--require=${evil}`,
        XTFC_VAULT_ADDR_X: `--require=${evil}`,
        TFC_VAULT_ADDR_: "https://empty-tag.example",
        "TFC_VAULT_ADDR_A-B": "https://dash.example",
        TFC_VAULT_NAMESPACE_N: `ns${smuggled}`,
        AWS_ACCESS_KEY_ID: "AKIANOTAHOOKVARIABLE",
      };
    }

    const EXPECTED_NAMES = [
      "TFC_RUN_ID",
      "TFC_VAULT_ADDR",
      "TFC_WORKLOAD_IDENTITY_TOKEN",
      "TFC_VAULT_ADDR_X",
      "TFC_WORKLOAD_IDENTITY_TOKEN_X",
      "TFC_VAULT_BACKED_AWS_AUTH_TYPE_X",
      "TFC_VAULT_BACKED_AWS_AUTH_spoke_1",
      "TFC_VAULT_BACKED_AWS_VAULT_CONFIG_spoke_1",
      "TFC_VAULT_RUN_ROLE_E",
      "TFC_VAULT_NAMESPACE_N",
      STATE_DIR_VARIABLE,
      CREDENTIALS_DIR_VARIABLE,
      "NODE_COMPILE_CACHE",
    ];

    it("tagged variables (any case of tag, empty values too) reach the hook's Node; NODE_OPTIONS, NODE_OPTIONS_X, XTFC_..., an empty or a dashed tag and a smuggled line do not", async () => {
      installProbe([]);
      const { result, probe } = await preHook(hostileEnv());
      assert.equal(result.code, 0, result.stderr);
      assert.equal(probe.uid, host.hooksUid, "the hook runs as the hooks' user");
      const env = hostileEnv();
      assert.deepEqual(probe.env, {
        TFC_RUN_ID: env.TFC_RUN_ID,
        TFC_VAULT_ADDR: env.TFC_VAULT_ADDR,
        TFC_WORKLOAD_IDENTITY_TOKEN: env.TFC_WORKLOAD_IDENTITY_TOKEN,
        // The whole value, line break and all: it is the variable's, not a second variable.
        TFC_VAULT_ADDR_X: env.TFC_VAULT_ADDR_X,
        TFC_WORKLOAD_IDENTITY_TOKEN_X: "jwt.x",
        TFC_VAULT_BACKED_AWS_AUTH_TYPE_X: "assumed_role",
        TFC_VAULT_BACKED_AWS_AUTH_spoke_1: "false",
        TFC_VAULT_BACKED_AWS_VAULT_CONFIG_spoke_1: "X",
        TFC_VAULT_RUN_ROLE_E: "",
        TFC_VAULT_NAMESPACE_N: env.TFC_VAULT_NAMESPACE_N,
        [STATE_DIR_VARIABLE]: host.layout.stateDir,
        [CREDENTIALS_DIR_VARIABLE]: host.layout.credentialsDir,
        NODE_COMPILE_CACHE: compileCacheDir(host.layout),
      });
      assert.equal(fs.existsSync(marker), false, "code named in the agent's environment ran in the hook");
    });

    it("the launcher appends the handed-back lines (the Terraform variable, the shared credentials file, emptied tagged tokens) and no other name", async () => {
      const handedBack = [
        `TF_VAR_tfc_vault_backed_aws_dynamic_credentials={"default":{"shared_credentials_file":"/c/run-1-plan/default"},"aliases":{"X":{"shared_credentials_file":"/c/run-1-plan/X"}}}`,
        "AWS_SHARED_CREDENTIALS_FILE=/c/run-1-plan/default",
        "TFC_WORKLOAD_IDENTITY_TOKEN=",
        "TFC_WORKLOAD_IDENTITY_TOKEN_X=",
        "TFC_WORKLOAD_IDENTITY_TOKEN_spoke_1=",
      ];
      const others = [
        "terraform-pre-plan: default configuration: credentials ready",
        `NODE_OPTIONS=--require=${evil}`,
        "TFC_WORKLOAD_IDENTITY_TOKEN_=",
        "TFC_WORKLOAD_IDENTITY_TOKEN_A-B=",
        "XTFC_WORKLOAD_IDENTITY_TOKEN_X=",
        "AWS_SHARED_CREDENTIALS_FILE_X=/tmp/planted",
        "TF_VAR_other=1",
        "PATH=/tmp",
      ];
      installProbe([others[0], ...handedBack.slice(0, 2), ...others.slice(1), ...handedBack.slice(2)]);
      const { result, printed } = await preHook({ TFC_RUN_ID: "run-1" });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fs.readFileSync(agentEnv, "utf8"), handedBack.map((l) => `${l}\n`).join(""));
      // Everything else goes to the run's log, never to Terraform's environment.
      assert.deepEqual(printed, others);
    });

    it("a failed pre hook appends nothing and prints none of its handed-back lines", async () => {
      installProbe(
        [
          "AWS_SHARED_CREDENTIALS_FILE=/c/run-1-plan/default",
          "TFC_WORKLOAD_IDENTITY_TOKEN_X=",
          'configuration "X": refused',
        ],
        1,
      );
      const { result, printed } = await preHook({ TFC_RUN_ID: "run-1" });
      assert.equal(result.code, 1);
      assert.equal(fs.readFileSync(agentEnv, "utf8"), "");
      assert.deepEqual(printed, ['configuration "X": refused']);
    });

    if (mode === "direct")
      it("the wrapper's own filter, under a shell that keeps names sh cannot hold (bash): a dashed tag stays out too", async function () {
        if (!fs.existsSync("/bin/bash")) {
          console.log("      skipped: needs /bin/bash");
          this.skip();
        }
        installProbe([]);
        // dash (the image's /bin/sh) drops a name like TFC_VAULT_ADDR_A-B before any of our code sees
        // it; bash passes it on, so here only the wrapper's own check keeps it from Node.
        const env = hostileEnv();
        const r = await run("/bin/bash", [wrapperPath(host.layout, "terraform-pre-plan")], env);
        assert.equal(r.code, 0, r.stderr);
        const probe = JSON.parse(/^PROBE (.*)$/m.exec(r.stdout)?.[1] ?? "{}") as {
          env: Record<string, string>;
        };
        assert.deepEqual(Object.keys(probe.env).sort(), [...EXPECTED_NAMES].sort());
        assert.equal(probe.env.TFC_VAULT_ADDR_X, env.TFC_VAULT_ADDR_X);
        assert.equal(fs.existsSync(marker), false);
      });

    if (mode !== "separated") return;

    it("sudo itself keeps <BASE>_<anything> (its * matches any characters, even none) and drops the rest: why the wrapper checks tags", async () => {
      // The wrapper replaced by one that lists the names sudo gave it (one line, no `=`: printed).
      fs.writeFileSync(
        wrapperPath(host.layout, "terraform-pre-plan"),
        `#!/bin/sh\nexec ${host.layout.node} -e 'console.log("KEPT " + JSON.stringify(Object.keys(process.env)))'\n`,
        { mode: 0o755 },
      );
      const cmd = host.asAgent(host.launcher("terraform-pre-plan"));
      const r = await run(cmd.file, cmd.args, {
        PATH: "/usr/bin:/bin",
        TFC_AGENT_ENV: agentEnv,
        ...hostileEnv(),
      });
      assert.equal(r.code, 0, r.stderr);
      const kept = JSON.parse(/^KEPT (.*)$/m.exec(r.stdout)?.[1] ?? "[]") as string[];
      for (const name of ["TFC_VAULT_ADDR_X", "TFC_VAULT_BACKED_AWS_AUTH_spoke_1", "TFC_VAULT_ADDR_"])
        assert.ok(kept.includes(name), `sudo dropped ${name}: ${kept.join(" ")}`);
      for (const name of ["NODE_OPTIONS", "NODE_OPTIONS_X", "XTFC_VAULT_ADDR_X", "AWS_ACCESS_KEY_ID"])
        assert.ok(!kept.includes(name), `sudo kept ${name}`);
    });

    /** Run code (the agent's uid) tries everything on a credentials file the hooks wrote. */
    async function attackCredentials(before = (): void => {}): Promise<Record<string, string>> {
      installProbe([], 0, true);
      const { result } = await preHook({ TFC_RUN_ID: "run-1" });
      assert.equal(result.code, 0, result.stderr);
      before();
      const dir = path.join(host.layout.credentialsDir, "run-1-plan");
      const file = path.join(dir, "default");
      assert.equal(fs.statSync(file).uid, host.hooksUid, "the hooks' user wrote it");
      const own = path.join(host.root, "agent-own");
      fs.mkdirSync(own, { mode: 0o700 });
      host.giveToAgent(own);
      const r = await run(
        ...(() => {
          const c = host.asAgent(host.layout.node, [
            "-e",
            `const fs = require("fs"), path = require("path");
             const [root, dir, file, own] = process.argv.slice(1);
             fs.writeFileSync(path.join(own, "mine"), "[default]\\naws_access_key_id = AKIAPLANTED\\n");
             const out = {};
             for (const [k, f] of Object.entries({
               read: () => fs.readFileSync(file, "utf8").includes("AKIAPROBE") ? "read" : "other",
               plantInDir: () => fs.writeFileSync(path.join(root, "run-2-plan"), "x"),
               plantInPhase: () => fs.writeFileSync(path.join(dir, "X"), "x"),
               overwrite: () => fs.writeFileSync(file, "x"),
               chmod: () => fs.chmodSync(file, 0o666),
               replaceByRename: () => fs.renameSync(path.join(own, "mine"), file),
               rename: () => fs.renameSync(file, file + ".old"),
               delete: () => fs.rmSync(file),
               renamePhaseDir: () => fs.renameSync(dir, dir + ".old"),
               deletePhaseDir: () => fs.rmdirSync(dir),
             })) { try { out[k] = f() ?? "DONE"; } catch (e) { out[k] = e.code; } }
             console.log(JSON.stringify(out));`,
            host.layout.credentialsDir,
            dir,
            file,
            own,
          ]);
          return [c.file, c.args, {}] as const;
        })(),
      );
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout.trim()) as Record<string, string>;
    }

    it("run code reads the credentials files the hooks wrote, but cannot plant, overwrite, replace, rename or delete anything there", async () => {
      assert.equal(fs.statSync(host.layout.credentialsDir).mode & 0o7777, 0o755);
      assert.deepEqual(await attackCredentials(), {
        read: "read",
        plantInDir: "EACCES",
        plantInPhase: "EACCES",
        overwrite: "EACCES",
        chmod: "EPERM",
        replaceByRename: "EACCES",
        rename: "EACCES",
        delete: "EACCES",
        renamePhaseDir: "EACCES",
        deletePhaseDir: "EACCES",
      });
    });

    it("the same attacks succeed when the credentials dir is the agent's own (so the test can fail)", async () => {
      const out = await attackCredentials(() =>
        fs.chownSync(host.layout.credentialsDir, host.agentUid, host.agentUid),
      );
      assert.equal(out.plantInDir, "DONE");
      assert.equal(out.renamePhaseDir, "DONE");
    });
  });
}
