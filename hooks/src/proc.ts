/**
 * What the hooks' user can observe about other processes, from /proc (Linux): a process is named
 * by its pid AND its start time (field 22 of /proc/<pid>/stat, clock ticks since boot), so a pid
 * the kernel reuses for another process never passes for the one we recorded. /proc/<pid>/stat
 * is readable for processes of any uid (unlike environ), which is what lets the keeper, running as
 * the hooks' user, watch the agent, running as the agent user (docs/hooks.md, "The keeper").
 */
import * as fs from "node:fs";

export interface ProcessIdentity {
  readonly pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  readonly startTicks: number;
}

interface Stat {
  readonly ppid: number;
  readonly startTicks: number;
  readonly state: string;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return { state: fields[0] ?? "", ppid: Number(fields[1]), startTicks: Number(fields[19]) };
}

export function identify(pid: number): ProcessIdentity | undefined {
  const s = readStat(pid);
  return s === undefined || !Number.isFinite(s.startTicks) ? undefined : { pid, startTicks: s.startTicks };
}

/** Whether the very process we recorded is still running (a zombie counts as gone). */
export function isAlive(p: ProcessIdentity): boolean {
  const s = readStat(p.pid);
  return s !== undefined && s.startTicks === p.startTicks && s.state !== "Z" && s.state !== "X";
}

export function parentOf(pid: number): number | undefined {
  const s = readStat(pid);
  return s === undefined || !(s.ppid > 0) ? undefined : s.ppid;
}

/** The process's argv; empty when it cannot be read. */
export function commandLine(pid: number): string[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((a) => a !== "");
  } catch {
    return [];
  }
}

/**
 * The agent that ran this hook: the first non-shell ancestor above the outermost ancestor whose
 * command line runs a hook launcher (`.../hooks/terraform-pre-<phase>`). Between that launcher and this process sit
 * its command-substitution subshell, sudo and the wrapper (exec'ed into env, then Node), depending
 * on the shell and sudo; the launcher is the fixed point. Undefined when no such ancestor exists.
 */
export function agentOf(selfPid: number, launcherName: string): ProcessIdentity | undefined {
  let outermost: number | undefined;
  let pid: number | undefined = parentOf(selfPid);
  for (let depth = 0; pid !== undefined && pid > 1 && depth < 16; depth++) {
    if (commandLine(pid).some((a) => a.endsWith(`/hooks/${launcherName}`))) outermost = pid;
    pid = parentOf(pid);
  }
  if (outermost === undefined) return undefined;
  // How the agent starts a hook (directly, or through `sh -c`) is unconfirmed
  // (docs/upstream-behaviour.md): a shell in between exits with the hook, so it is skipped.
  let agent = parentOf(outermost);
  for (let depth = 0; agent !== undefined && agent > 1 && depth < 4 && isShell(agent); depth++)
    agent = parentOf(agent);
  return agent === undefined || agent <= 1 ? undefined : identify(agent);
}

const SHELLS = new Set(["sh", "dash", "bash", "ash", "busybox"]);

function isShell(pid: number): boolean {
  const argv0 = commandLine(pid)[0] ?? "";
  return SHELLS.has(argv0.slice(argv0.lastIndexOf("/") + 1).replace(/^-/, ""));
}
