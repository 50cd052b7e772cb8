/**
 * Where everything lives on the agent, and the small files that glue it together, rendered from
 * this one description: the hook launchers the agent runs, the root-owned wrappers sudo may start,
 * the sudoers drop-in, and the image's start script. hooks/build.mjs renders them for the image;
 * tests/agent/dockerfile.test.ts checks the Dockerfile against the same layout; the tests render
 * them for a temporary layout and run them. Why this shape: docs/hooks.md, "Privilege separation".
 *
 *   agent user (runs Terraform, run code, the launchers)      hooks user (runs the hooks)
 *   <dataDir>/hooks/terraform-pre-plan --sudo -n -u hooks--> <installDir>/libexec/terraform-pre-plan
 *     sudo keeps only HOOK_ENVIRONMENT and <BASE>_*             keeps the set HOOK_ENVIRONMENT names
 *     (BASE in TAGGED_HOOK_VARIABLES)                           and <BASE>_<TAG>, TAG [A-Za-z0-9_]+
 *                                                              env -i <those> <our dirs> node <bundle>
 *   appends to $TFC_AGENT_ENV, on success only, the           state in <stateDir> (0700, hooks user)
 *     lines named in HANDED_BACK / HANDED_BACK_PATTERNS  <--  credentials files in <credentialsDir>
 *   reads the files in <credentialsDir> (0755, not its own)     (0755, hooks user)
 */
import {
  CREDENTIALS_DIR_VARIABLE,
  HOOK_ENVIRONMENT,
  STATE_DIR_VARIABLE,
  TAGGED_HOOK_VARIABLES,
} from "./contract";
import { HANDED_BACK, HANDED_BACK_PATTERNS } from "./agent-env";

export const HOOK_NAMES = [
  "terraform-pre-plan",
  "terraform-post-plan",
  "terraform-pre-apply",
  "terraform-post-apply",
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export interface Layout {
  /** The user the agent, Terraform and the run's code run as (the base image's user). */
  readonly agentUser: string;
  /** The system user the hooks run as; the agent user cannot become it except through the rule. */
  readonly hooksUser: string;
  /** The agent's data dir (TFC_AGENT_DATA_DIR): root-owned, sticky, writable by the agent's group. */
  readonly dataDir: string;
  /** Where the launchers, wrappers and bundles are installed, root-owned and read-only. */
  readonly installDir: string;
  /** The hooks' private state: owned by hooksUser, mode 0700. */
  readonly stateDir: string;
  /**
   * The phases' shared credentials files: owned by hooksUser, mode 0755 (the agent user reads the
   * files, cannot create, replace or delete them); emptied by the post hooks.
   */
  readonly credentialsDir: string;
  /** Absolute paths: nothing is looked up on PATH. */
  readonly node: string;
  readonly sudo: string;
  readonly env: string;
  /** Empty in tests that cannot use sudo (not root): the wrapper is then run directly. */
  readonly privilegeCommand: "sudo" | "direct";
}

/** What the agent image ships (hooks/Dockerfile). */
export const IMAGE_LAYOUT: Layout = {
  agentUser: "tfc-agent",
  hooksUser: "tfc-hooks",
  dataDir: "/var/lib/tfc-agent",
  installDir: "/opt/tfc-jit-aws",
  stateDir: "/var/lib/tfc-jit-aws",
  credentialsDir: "/var/lib/tfc-jit-aws-credentials",
  node: "/usr/local/bin/node",
  sudo: "/usr/bin/sudo",
  env: "/usr/bin/env",
  privilegeCommand: "sudo",
};

/** Fixed id of the hooks' system user, so tmpfs mount options can name it (agent-runtime-docker). */
export const HOOKS_UID = 992;
/** The sudoers drop-in (root-owned, 0440, checked with visudo -c at image build). */
export const SUDOERS_FILE = "/etc/sudoers.d/tfc-jit-aws";
/**
 * The agent's binaries in hashicorp/tfc-agent (the image's ENTRYPOINT); made root-owned and
 * execute-only (0711), so the agent process is not dumpable and its environ is root's only.
 * UNCONFIRMED beyond the image's ENTRYPOINT: the build fails if a path here is missing.
 */
export const AGENT_BINARIES = [
  "/home/tfc-agent/bin/tfc-agent",
  "/home/tfc-agent/bin/tfc-agent-core",
] as const;

/**
 * Where the agent and Terraform write outside the data dir, besides /tmp: Terraform's per-user
 * directory (CLI config, credentials, plugin cache) under the agent's HOME. The start script makes
 * them the agent's; on Docker each is a tmpfs. UNCONFIRMED that this is all (docs/upstream-behaviour.md).
 */
export const AGENT_WRITABLE_HOME_DIRS = ["/home/tfc-agent/.terraform.d", "/home/tfc-agent/.cache"] as const;

/**
 * What the Docker runtime mounts as tmpfs over a read-only root: everything that is written, so a
 * restarted container starts from the image again (nothing of one job reaches the next). Options
 * are Docker's tmpfs options; the start script sets owners and modes inside.
 */
export function writableMounts(l: Layout): Record<string, string> {
  return {
    "/tmp": "rw,nosuid,nodev,mode=1777",
    // sudo keeps its runtime files under /run.
    "/run": "rw,nosuid,nodev,noexec,mode=0755",
    [l.dataDir]: "rw,nosuid,nodev,mode=1770",
    [l.stateDir]: `rw,nosuid,nodev,noexec,mode=0700,uid=${HOOKS_UID},gid=${HOOKS_UID}`,
    [l.credentialsDir]: `rw,nosuid,nodev,noexec,mode=0755,uid=${HOOKS_UID},gid=${HOOKS_UID}`,
    ...Object.fromEntries(AGENT_WRITABLE_HOME_DIRS.map((d) => [d, "rw,nosuid,nodev,mode=0700"])),
  };
}

export const hooksDir = (l: Layout): string => `${l.dataDir}/hooks`;
export const wrapperPath = (l: Layout, hook: HookName): string => `${l.installDir}/libexec/${hook}`;
export const bundlePath = (l: Layout, hook: HookName): string => `${l.installDir}/lib/${hook}.cjs`;
export const compileCacheDir = (l: Layout): string => `${l.installDir}/lib/.compile-cache`;
/** The launchers as installed (copied into hooksDir by the start script). */
export const launcherPath = (l: Layout, hook: HookName): string => `${l.installDir}/hooks/${hook}`;
export const startScriptPath = (l: Layout): string => `${l.installDir}/bin/start-agent`;

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const SAFE_NAME = /^[a-z_][a-z0-9_-]*$/;
/** A variable name the rendered files may hold unquoted (sudoers, sh `case`, `eval`). */
const PLAIN_VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A handed-back name pattern: a plain prefix ending in `_*` (the rest is a tag). */
const TAG_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*_\*$/;
/**
 * sh `case` bracket expression for one character outside a variable name (letters, digits, `_`),
 * spelled out: a range such as A-Z may follow the locale's collation.
 */
const NOT_NAME_CHAR = "[!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_]";

/** Refuses a layout that would need quoting in sh or sudoers. */
export function checkLayout(l: Layout): void {
  for (const [key, value] of Object.entries(l)) {
    if (key === "privilegeCommand") continue;
    const ok = key.endsWith("User") ? SAFE_NAME.test(value as string) : SAFE_PATH.test(value as string);
    if (!ok) throw new Error(`layout.${key} "${String(value)}" must be a plain absolute path or user name`);
  }
  for (const name of [...HOOK_ENVIRONMENT, ...TAGGED_HOOK_VARIABLES])
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`hook variable "${name}" is not a plain name`);
  for (const name of HANDED_BACK)
    if (!PLAIN_VARIABLE.test(name)) throw new Error(`handed-back name "${name}" is not a plain name`);
  for (const pattern of HANDED_BACK_PATTERNS)
    if (!TAG_PATTERN.test(pattern))
      throw new Error(`handed-back pattern "${pattern}" must be a plain name followed by _*`);
}

/**
 * sh `case` arms that print `$name` when it is one of `exact` or `<prefix>_<TAG>` (TAG: letters,
 * digits, `_`, at least one) for a prefix in `tagged`, and do `otherwise` else. Any name with
 * another character goes to `otherwise` first, so `*` in the arms can only stand for a tag.
 */
function nameCase(
  indent: string,
  exact: readonly string[],
  tagged: readonly string[],
  matched: string,
  otherwise: string,
): string[] {
  const arms = [...exact, ...tagged.map((base) => `${base}_?*`)];
  return [
    `${indent}case "$name" in`,
    `${indent}  ""|*${NOT_NAME_CHAR}*) ${otherwise} ;;`,
    `${indent}  ${arms.join("|")}) ${matched} ;;`,
    `${indent}  *) ${otherwise} ;;`,
    `${indent}esac`,
  ];
}

function privileged(l: Layout, hook: HookName): string {
  return l.privilegeCommand === "sudo"
    ? `${l.sudo} -n -u ${l.hooksUser} ${wrapperPath(l, hook)}`
    : wrapperPath(l, hook);
}

/**
 * The hook file the agent runs, as the agent user. It starts the privileged part through sudo
 * (absolute paths only), prints what it says, and for a pre hook appends to `$TFC_AGENT_ENV` the
 * lines it hands back, only when it succeeded: a line is handed back when its name (up to the
 * first `=`) is in HANDED_BACK or is `<prefix>_<TAG>` for a HANDED_BACK_PATTERNS entry
 * `<prefix>_*` (TAG: letters, digits, `_`); such lines are never printed. POSIX sh, no
 * here-documents (some shells write those to temporary files) and no external commands but sudo.
 */
export function renderLauncher(l: Layout, hook: HookName): string {
  checkLayout(l);
  const pre = hook.includes("-pre-");
  const post = hook.replace("-pre-", "-post-") as HookName;
  const taggedBack = HANDED_BACK_PATTERNS.map((p) => p.slice(0, -"_*".length));
  const lines = [
    "#!/bin/sh",
    `# ${hook}: tfc-jit-aws hook launcher (rendered from hooks/src/layout.ts; docs/hooks.md).`,
    `# Runs as ${l.agentUser}; the hook itself runs as ${l.hooksUser}, which holds the Vault token.`,
    "set -u",
    "PATH=/nonexistent",
    "export PATH",
  ];
  if (pre) {
    lines.push(
      'if [ -z "${TFC_AGENT_ENV:-}" ]; then',
      `  printf '%s\\n' "${hook}: ERROR: TFC_AGENT_ENV is not set, so credentials cannot be handed to Terraform; check: run tfc-agent >= 1.9 (it sets TFC_AGENT_ENV for hooks)" >&2`,
      "  exit 1",
      "fi",
      "# Writable before anything is obtained: a failure here costs nothing to undo.",
      // A subshell: a failed redirection on a special builtin would end the launcher itself.
      'if ! ( : >> "$TFC_AGENT_ENV" ) 2>/dev/null; then',
      `  printf '%s\\n' "${hook}: ERROR: cannot append to TFC_AGENT_ENV; check: that the agent's TFC_AGENT_ENV file is writable by ${l.agentUser}" >&2`,
      "  exit 1",
      "fi",
    );
  }
  lines.push(
    `out=$(${privileged(l, hook)})`,
    "status=$?",
    "printf '%s\\n' \"$out\" | {",
    "  while IFS= read -r line; do",
    '    case "$line" in',
    "      *=*) name=${line%%=*} ;;",
    "      *) name= ;;",
    "    esac",
    ...nameCase("    ", HANDED_BACK, taggedBack, "back=yes", "back=no"),
    '    if [ "$back" = yes ]; then',
    pre
      ? '      if [ "$status" -eq 0 ]; then printf \'%s\\n\' "$line" >> "$TFC_AGENT_ENV" || exit 3; fi'
      : "      :",
    '    elif [ -n "$line" ]; then',
    "      printf '%s\\n' \"$line\"",
    "    fi",
    "  done",
    "  exit 0",
    "}",
    "piped=$?",
  );
  if (pre) {
    lines.push(
      'if [ "$status" -eq 0 ] && [ "$piped" -ne 0 ]; then',
      "  # Terraform must not run without them, and nobody should hold them: revoke at once.",
      `  ${privileged(l, post)} >/dev/null 2>&1`,
      `  printf '%s\\n' "${hook}: ERROR: cannot append to TFC_AGENT_ENV (the credentials were revoked); check: that the agent's TFC_AGENT_ENV file is writable by ${l.agentUser}" >&2`,
      "  exit 1",
      "fi",
    );
  }
  lines.push('exit "$status"', "");
  return lines.join("\n");
}

/**
 * The root-owned program sudo starts as the hooks user: Node with an empty environment plus exactly
 * the hook variables that are set, from absolute paths, in `/`. Hook variables: the names in
 * HOOK_ENVIRONMENT and `<BASE>_<TAG>` for BASE in TAGGED_HOOK_VARIABLES, TAG letters, digits and
 * `_`. Tagged names are not known in advance, so the names come from `env`'s output (only names
 * of those forms, which need no quoting) and each value from the variable itself: a value with a
 * line break that looks like `NODE_OPTIONS=...` adds no variable. Our own settings (state dir,
 * credentials dir, compile cache) are fixed here, never taken from the caller.
 */
export function renderWrapper(l: Layout, hook: HookName): string {
  checkLayout(l);
  return [
    "#!/bin/sh",
    `# ${hook}: runs the hook as ${l.hooksUser} (rendered from hooks/src/layout.ts; docs/hooks.md).`,
    "set -uf",
    "cd / || exit 1",
    "IFS=' '",
    `names=$(${l.env} | while IFS= read -r line; do`,
    "  name=${line%%=*}",
    ...nameCase("  ", HOOK_ENVIRONMENT, TAGGED_HOOK_VARIABLES, "printf '%s ' \"$name\"", ":"),
    "done)",
    "set --",
    "seen=' '",
    "for name in $names; do",
    '  case "$seen" in *" $name "*) continue ;; esac',
    '  seen="$seen$name "',
    "  # $name is letters, digits and _ only (above): safe to expand into eval.",
    '  eval "[ -n \\"\\${$name+x}\\" ]" || continue',
    '  eval "set -- \\"\\$@\\" \\"$name=\\${$name}\\""',
    "done",
    `exec ${l.env} -i "$@" ${STATE_DIR_VARIABLE}=${l.stateDir} ${CREDENTIALS_DIR_VARIABLE}=${l.credentialsDir} NODE_COMPILE_CACHE=${compileCacheDir(l)} ${l.node} ${bundlePath(l, hook)}`,
    "",
  ].join("\n");
}

/** The sudoers drop-in: the agent user may run exactly the four wrappers, without arguments, as the hooks user. */
export function renderSudoers(l: Layout): string {
  checkLayout(l);
  const commands = HOOK_NAMES.map((h) => `${wrapperPath(l, h)} ""`).join(", \\\n    ");
  return [
    '# tfc-jit-aws (rendered from hooks/src/layout.ts; docs/hooks.md, "Privilege separation").',
    `# ${l.agentUser} may start the four hooks as ${l.hooksUser}, without arguments, with only the hook variables.`,
    `Defaults:${l.agentUser} env_reset`,
    `Defaults:${l.agentUser} env_keep = "${HOOK_ENVIRONMENT.join(" ")}"`,
    "# Tagged configurations: <NAME>_<TAG>. `*` matches any characters here; the wrapper keeps only tags of letters, digits and _.",
    `Defaults:${l.agentUser} env_keep += "${TAGGED_HOOK_VARIABLES.map((b) => `${b}_*`).join(" ")}"`,
    `Defaults:${l.agentUser} !lecture, !mail_badpass, !use_pty`,
    `${l.agentUser} ALL = (${l.hooksUser}) NOPASSWD: ${commands}`,
    "",
  ].join("\n");
}

/**
 * How root becomes the agent user and runs `command`. Through `env`, not straight from setpriv:
 * setpriv's own exec of an unreadable (0711) binary still leaves the new process dumpable, so its
 * environ would stay readable by its uid (observed with util-linux 2.38 on Linux 6.18); an exec
 * by an unprivileged process marks it non-dumpable (tests/hooks/privilege-separation.test.ts).
 */
export function dropToAgent(l: Layout, command: readonly string[]): string[] {
  return [
    "/usr/bin/setpriv",
    `--reuid=${l.agentUser}`,
    `--regid=${l.agentUser}`,
    "--init-groups",
    "--",
    l.env,
    ...command,
  ];
}

/**
 * The image's ENTRYPOINT, run as root once per container start: lays out the agent's data dir
 * (root-owned, sticky, writable by the agent's group, so the agent user can create its own entries
 * but cannot rename or replace `hooks`), copies the launchers in, creates the hooks' private state
 * dir and their credentials dir (emptied, readable by all, writable by the hooks' user only), then
 * becomes the agent user and runs the agent (execute-only binary: not dumpable).
 * On Docker these directories are tmpfs, so every container start begins empty.
 */
export function renderStartScript(l: Layout): string {
  checkLayout(l);
  const hooks = hooksDir(l);
  return [
    "#!/bin/sh",
    "# tfc-jit-aws agent start (rendered from hooks/src/layout.ts; docs/agent-and-workspace.md).",
    "set -eu",
    "umask 022",
    `if [ "$(/usr/bin/id -u)" != 0 ]; then echo "start-agent: must start as root (it drops to ${l.agentUser}); check: the container's user" >&2; exit 1; fi`,
    `/usr/bin/install -d -o root -g ${l.agentUser} -m 1770 ${l.dataDir}`,
    `/bin/rm -rf ${hooks}`,
    `/bin/cp -R ${l.installDir}/hooks ${hooks}`,
    `/bin/chown -R root:root ${hooks}`,
    `/bin/chmod 0755 ${hooks} ${HOOK_NAMES.map((h) => `${hooks}/${h}`).join(" ")}`,
    `/usr/bin/install -d -o ${l.hooksUser} -g ${l.hooksUser} -m 0700 ${l.stateDir}`,
    // Readable by the next job's run code: whatever a job that died left there goes first (where
    // the directory outlives a container start, e.g. a volume; on Docker it is an empty tmpfs).
    `/bin/rm -rf ${l.credentialsDir}/*`,
    `/usr/bin/install -d -o ${l.hooksUser} -g ${l.hooksUser} -m 0755 ${l.credentialsDir}`,
    ...AGENT_WRITABLE_HOME_DIRS.map(
      (d) => `/usr/bin/install -d -o ${l.agentUser} -g ${l.agentUser} -m 0700 ${d}`,
    ),
    `export TFC_AGENT_DATA_DIR=${l.dataDir}`,
    `exec ${dropToAgent(l, [AGENT_BINARIES[0]]).join(" ")} "$@"`,
    "",
  ].join("\n");
}
