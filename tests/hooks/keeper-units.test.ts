/**
 * The keeper's parts that need no Vault: its schedule, and what it reads from /proc
 * (hooks/src/proc.ts; docs/hooks.md, "The keeper").
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pollMs } from "../../hooks/src/keeper";
import { agentOf, commandLine, identify, isAlive } from "../../hooks/src/proc";

describe("keeper: schedule and /proc", () => {
  it("looks every TTL/20, never more often than 0.1 s nor less often than 2 s", () => {
    assert.equal(pollMs(3), 150);
    assert.equal(pollMs(300), 2000);
    assert.equal(pollMs(1), 100);
  });

  it("names a process by pid and start time: a live one passes, an exited one does not", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    const id = identify(child.pid ?? -1);
    assert.ok(id !== undefined && id.startTicks > 0);
    assert.equal(isAlive(id), true);
    // The same pid with another start time is another process.
    assert.equal(isAlive({ pid: id.pid, startTicks: id.startTicks + 1 }), false);
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
    assert.equal(isAlive(id), false);
  });

  it("reads a command line whose name has spaces and parentheses", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proc-"));
    try {
      const odd = path.join(dir, "a (b) c");
      fs.copyFileSync("/bin/sleep", odd);
      fs.chmodSync(odd, 0o755);
      const child = spawn(odd, ["30"], { stdio: "ignore" });
      const id = identify(child.pid ?? -1);
      assert.ok(id !== undefined && id.startTicks > 0, "stat parsed past the comm field");
      assert.deepEqual(commandLine(id.pid), [odd, "30"]);
      child.kill("SIGKILL");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds the agent as the parent of the outermost launcher ancestor, and nothing without one", () => {
    assert.equal(agentOf(process.pid, "terraform-pre-plan"), undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-"));
    try {
      const hooks = path.join(dir, "hooks");
      fs.mkdirSync(hooks);
      const launcher = path.join(hooks, "terraform-pre-plan");
      const probe = `require(${JSON.stringify(path.resolve(__dirname, "../../node_modules/ts-node/register/transpile-only"))}); const p = require(${JSON.stringify(path.resolve(__dirname, "../../hooks/src/proc.ts"))}); console.log(JSON.stringify(p.agentOf(process.pid, "terraform-pre-plan")));`;
      // The launcher runs Node in a subshell, as the real one runs sudo in a command substitution.
      fs.writeFileSync(
        launcher,
        `#!/bin/sh\nout=$("${process.execPath}" -e '${probe.replace(/'/g, "'\\''")}')\necho "$out"\n`,
        { mode: 0o755 },
      );
      const r = spawnSync(launcher, [], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const agent = JSON.parse(r.stdout.trim()) as { pid: number };
      assert.equal(agent.pid, process.pid, "the agent is the process that ran the launcher");
      // An agent that starts hooks through `sh -c` (unconfirmed either way): the shell exits with
      // the hook, so it is not the agent.
      const viaShell = spawnSync("/bin/sh", ["-c", `"${launcher}"; exit $?`], { encoding: "utf8" });
      assert.equal(viaShell.status, 0, viaShell.stderr);
      assert.equal((JSON.parse(viaShell.stdout.trim()) as { pid: number }).pid, process.pid);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
