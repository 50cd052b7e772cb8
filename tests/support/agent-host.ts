/**
 * The agent machine as the image lays it out (hooks/src/layout.ts), in a temporary directory: the
 * launchers in the agent's hooks dir, the wrappers and the built bundles (hooks/dist) in the
 * install dir, the hooks' private state dir, and the Node binary at an absolute path.
 *
 * Two ways to run it:
 * - "direct": everything as the current user, the launcher starting the wrapper without sudo.
 *   Any user can run it; it exercises every file but the privilege change.
 * - "separated" (root only, with sudo, unshare and setpriv): two throwaway users that exist only
 *   inside a private mount namespace (copies of /etc/passwd, group, shadow and sudoers are bind-
 *   mounted over the real ones there), the rendered sudo rule, and every process of the "agent
 *   user" started with setpriv under that uid. Nothing is changed on the machine.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  bundlePath,
  compileCacheDir,
  HOOK_NAMES,
  type HookName,
  hooksDir,
  type Layout,
  renderLauncher,
  renderSudoers,
  renderWrapper,
  wrapperPath,
} from "../../hooks/src/layout";
import { KEEPER_BUNDLE } from "../../hooks/src/keeper-control";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const HOOKS_DIST = path.join(REPO_ROOT, "hooks", "dist");

export type HostMode = "direct" | "separated";

let nodeCopy: string | undefined;

/**
 * The Node that runs the tests, at an absolute path every user may execute (its own directory may
 * not be: /root is 0700). One hard link (or, across file systems, one copy) per test process,
 * removed when it exits.
 */
function sharedNode(): string {
  if (nodeCopy !== undefined) return nodeCopy;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-agent-node-"));
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, "node");
  try {
    fs.linkSync(process.execPath, file);
  } catch {
    fs.copyFileSync(process.execPath, file);
    fs.chmodSync(file, 0o755);
  }
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  nodeCopy = file;
  return file;
}

/** Why "separated" cannot run here, or undefined when it can. */
export function separationUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (CI runs as root) to start processes as throwaway users";
  for (const tool of ["/usr/bin/sudo", "/usr/bin/unshare", "/usr/bin/setpriv"])
    if (!fs.existsSync(tool)) return `needs ${tool} (.ci/run installs sudo with apt when it runs as root)`;
  const probe = spawnSync("/usr/bin/unshare", ["-m", "--", "/bin/true"]);
  if (probe.status !== 0) return "cannot create a mount namespace here (unshare -m failed)";
  return undefined;
}

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
}

export class AgentHost {
  readonly root: string;
  readonly layout: Layout;
  /** The agent user's uid/gid ("separated"), or the current user's. */
  readonly agentUid: number;
  readonly hooksUid: number;
  private readonly etc: string;

  constructor(readonly mode: HostMode) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-agent-host-"));
    fs.chmodSync(this.root, 0o755);
    const separated = mode === "separated";
    const base = separated ? randomInt(40_000, 60_000) * 2 : 0;
    this.agentUid = separated ? base : (process.getuid?.() ?? 0);
    this.hooksUid = separated ? base + 1 : this.agentUid;
    const tag = separated ? String(base) : "";
    this.layout = {
      agentUser: separated ? `tfcsim-agent${tag}` : os.userInfo().username,
      hooksUser: separated ? `tfcsim-hooks${tag}` : os.userInfo().username,
      dataDir: path.join(this.root, "data"),
      installDir: path.join(this.root, "opt"),
      stateDir: path.join(this.root, "state"),
      credentialsDir: path.join(this.root, "credentials"),
      node: sharedNode(),
      sudo: "/usr/bin/sudo",
      env: "/usr/bin/env",
      privilegeCommand: separated ? "sudo" : "direct",
    };
    this.etc = path.join(this.root, "etc");
    this.install();
  }

  private install(): void {
    const l = this.layout;
    for (const d of ["bin", "lib", "libexec", "hooks"])
      fs.mkdirSync(path.join(l.installDir, d), { recursive: true });
    for (const hook of HOOK_NAMES) {
      fs.copyFileSync(path.join(HOOKS_DIST, "lib", `${hook}.cjs`), bundlePath(l, hook));
      fs.writeFileSync(path.join(l.installDir, "hooks", hook), renderLauncher(l, hook), { mode: 0o755 });
      fs.writeFileSync(wrapperPath(l, hook), renderWrapper(l, hook), { mode: 0o755 });
    }
    fs.copyFileSync(
      path.join(HOOKS_DIST, "lib", KEEPER_BUNDLE),
      path.join(l.installDir, "lib", KEEPER_BUNDLE),
    );
    // What the image's start script does: data dir root-owned and sticky, hooks copied in.
    fs.mkdirSync(hooksDir(l), { recursive: true });
    for (const hook of HOOK_NAMES)
      fs.copyFileSync(path.join(l.installDir, "hooks", hook), path.join(hooksDir(l), hook));
    fs.mkdirSync(l.stateDir, { mode: 0o700 });
    fs.mkdirSync(l.credentialsDir, { mode: 0o755 });
    if (this.mode === "separated") {
      fs.chmodSync(l.dataDir, 0o1770);
      fs.chownSync(l.dataDir, 0, this.agentUid);
      fs.chownSync(l.stateDir, this.hooksUid, this.hooksUid);
      fs.chownSync(l.credentialsDir, this.hooksUid, this.hooksUid);
      // The image fills this at build time as the hooks' user; here the first hook run does.
      fs.mkdirSync(compileCacheDir(l), { mode: 0o700 });
      fs.chownSync(compileCacheDir(l), this.hooksUid, this.hooksUid);
      this.writeEtc();
    }
  }

  /** Namespace-only copies of the user databases and the sudo rule. */
  private writeEtc(): void {
    const l = this.layout;
    fs.mkdirSync(this.etc, { mode: 0o755 });
    const users = [
      [l.agentUser, this.agentUid],
      [l.hooksUser, this.hooksUid],
    ] as const;
    const append = (name: string, lines: string[], mode: number): void => {
      const file = path.join(this.etc, name);
      fs.writeFileSync(file, `${fs.readFileSync(`/etc/${name}`, "utf8").trimEnd()}\n${lines.join("\n")}\n`, {
        mode,
      });
      fs.chmodSync(file, mode);
    };
    append(
      "passwd",
      users.map(([n, id]) => `${n}:x:${id}:${id}::/nonexistent:/usr/sbin/nologin`),
      0o644,
    );
    append(
      "group",
      users.map(([n, id]) => `${n}:x:${id}:`),
      0o644,
    );
    append(
      "shadow",
      users.map(([n]) => `${n}:*:19000:0:99999:7:::`),
      0o640,
    );
    const sudoers = path.join(this.etc, "sudoers");
    fs.writeFileSync(sudoers, `Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n${renderSudoers(l)}`, {
      mode: 0o440,
    });
    fs.chmodSync(sudoers, 0o440);
    execFileSync("/usr/sbin/visudo", ["-c", "-q", "-f", sudoers]);
  }

  /** Makes a path the agent user's (its HOME, its TFC_AGENT_ENV file). */
  giveToAgent(p: string): void {
    if (this.mode === "separated") fs.chownSync(p, this.agentUid, this.agentUid);
  }

  /** How to start `file` as the agent user (as the current user in "direct" mode). */
  asAgent(file: string, args: readonly string[] = []): Command {
    if (this.mode === "direct") return { file, args };
    return this.asRoot("/usr/bin/setpriv", [
      `--reuid=${this.agentUid}`,
      `--regid=${this.agentUid}`,
      "--clear-groups",
      "--",
      file,
      ...args,
    ]);
  }

  /** How to start `file` as root with the throwaway users in place ("separated" only). */
  asRoot(file: string, args: readonly string[] = []): Command {
    const mounts = ["passwd", "group", "shadow", "sudoers"]
      .map((f) => `/bin/mount --bind ${path.join(this.etc, f)} /etc/${f}`)
      .join(" && ");
    return {
      file: "/usr/bin/unshare",
      args: ["-m", "--", "/bin/sh", "-c", `${mounts} && exec "$@"`, "sh", file, ...args],
    };
  }

  launcher(hook: HookName): string {
    return path.join(hooksDir(this.layout), hook);
  }

  /** Every state file the hooks left. */
  stateFiles(): string[] {
    return fs.readdirSync(this.layout.stateDir).map((f) => path.join(this.layout.stateDir, f));
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
