/**
 * scripts/ensure-node.sh is sourced by whatever shell the user has (bash, zsh on macOS, dash as
 * Debian's sh). Under each shell installed here it runs in a fresh HOME with a fake old `node`
 * first on PATH and a fake `npm` that records its calls and never reaches a network: it must put
 * a new enough Node first on PATH and say so, or say what is wrong and return non-zero, and never
 * claim an old Node is in use.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(ROOT, "scripts", "ensure-node.sh");
const WANT = fs.readFileSync(path.join(ROOT, ".node-version"), "utf8").trim();
const WANT_MAJOR = WANT.split(".")[0];
const ARCH = ({ x64: "x64", arm64: "arm64" } as Record<string, string>)[os.arch()];
const SYSTEM_PATH = "/usr/bin:/bin";

/** A shell's path when it is installed (looked up on the system PATH), else undefined. */
function installed(shell: string): string | undefined {
  return SYSTEM_PATH.split(":")
    .map((dir) => path.join(dir, shell))
    .find((file) => fs.existsSync(file));
}

/** An executable /bin/sh script. */
function writeTool(file: string, body: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** A `node` that only answers --version, with `version`. */
function fakeNode(file: string, version: string): void {
  writeTool(file, `case "$1" in --version) echo v${version} ;; *) exit 1 ;; esac`);
}

interface Sandbox {
  readonly dir: string;
  readonly home: string;
  readonly bin: string;
  /** Where the script keeps the pinned Node on this machine. */
  readonly cache: string;
  /** Every npm invocation, one line each. */
  npmCalls(): string[];
}

function sandbox(oldNode = "20.11.1"): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ensure-node-"));
  const home = path.join(dir, "home");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(home);
  fakeNode(path.join(bin, "node"), oldNode);
  const log = path.join(dir, "npm-calls");
  // No network: any fetch fails, as on a machine without access to the registry.
  writeTool(path.join(bin, "npm"), `echo "$*" >> "${log}"\necho "npm error network unreachable" >&2\nexit 1`);
  return {
    dir,
    home,
    bin,
    cache: path.join(home, ".cache", "tfc-jit-aws", `node-${WANT}-${ARCH ?? "unknown"}`),
    npmCalls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []),
  };
}

interface Sourced {
  /** The status of `. scripts/ensure-node.sh`. */
  readonly status: number;
  /** `node --version` in the same shell afterwards. */
  readonly nodeAfter: string;
  readonly stderr: string;
  /** Helper variables or functions of the script left in the user's shell. */
  readonly leaked: string;
}

/** Sources the script in `shell` as a user would, then asks that same shell which node it has. */
function source(shell: string, box: Sandbox, cwd = ROOT, script = SCRIPT): Sourced {
  const probe = [
    '. "$1"',
    "rc=$?",
    'printf "status=%s\\n" "$rc"',
    'printf "node=%s\\n" "$(node --version 2>/dev/null)"',
    'printf "leaked=%s\\n" "$(set | grep "^_en_" | tr "\\n" " ")"',
  ].join("\n");
  const result = spawnSync(shell, ["-c", probe, "ensure-node-test", script], {
    cwd,
    env: { PATH: `${box.bin}:${SYSTEM_PATH}`, HOME: box.home },
    encoding: "utf8",
    timeout: 20_000,
  });
  const field = (name: string): string =>
    new RegExp(`^${name}=(.*)$`, "m").exec(result.stdout)?.[1]?.trim() ?? "";
  assert.match(field("status"), /^\d+$/, `the shell did not finish: ${result.stdout}${result.stderr}`);
  return {
    status: Number(field("status")),
    nodeAfter: field("node"),
    stderr: result.stderr,
    leaked: field("leaked"),
  };
}

/** Whether `shell` knows where a sourced file is (bash, zsh); POSIX sh does not. */
function knowsSourcedPath(shell: string): boolean {
  const out = spawnSync(shell, ["-c", 'printf "%s" "${BASH_VERSION:-}${ZSH_VERSION:-}"'], {
    encoding: "utf8",
  });
  return out.stdout !== "";
}

const USING = /ensure-node: using node v/;

describe("scripts/ensure-node.sh under every shell installed here", function () {
  this.timeout(60_000);
  const boxes: Sandbox[] = [];
  const box = (oldNode?: string): Sandbox => {
    const b = sandbox(oldNode);
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) fs.rmSync(b.dir, { recursive: true, force: true });
  });

  for (const name of ["sh", "dash", "bash", "zsh"]) {
    const shell = installed(name);
    if (shell === undefined) {
      it.skip(`${name}: not installed on this machine, skipped`, () => undefined);
      continue;
    }
    describe(`${name} (${fs.realpathSync(shell)})`, () => {
      before(function () {
        if (ARCH === undefined) this.skip(); // no prebuilt Node for this CPU: nothing to cache
      });

      it("with an old node and the pinned Node in its cache: puts the pinned Node first on PATH", () => {
        const b = box();
        fakeNode(path.join(b.cache, "bin", "node"), WANT);
        const r = source(shell, b);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.nodeAfter, `v${WANT}`);
        assert.match(r.stderr, new RegExp(`ensure-node: using node v${WANT} \\(${b.cache}/bin/node\\)`));
        assert.deepEqual(b.npmCalls(), [], "nothing fetched when the cache has it");
        assert.equal(r.leaked, "", "the script's helpers stay out of the user's shell");
      });

      it("with a new enough node on PATH: uses it as it is and fetches nothing", () => {
        const b = box(WANT);
        const r = source(shell, b);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.nodeAfter, `v${WANT}`);
        assert.match(r.stderr, new RegExp(`using node v${WANT} \\(${b.bin}/node\\)`));
        assert.deepEqual(b.npmCalls(), []);
      });

      it("with an old node and no way to fetch the pinned one: fails loudly and leaves PATH alone", () => {
        const b = box();
        const r = source(shell, b);
        assert.notEqual(r.status, 0, "must not report success");
        assert.doesNotMatch(r.stderr, USING);
        assert.match(
          r.stderr,
          new RegExp(
            `Node ${WANT_MAJOR} or newer is needed \\(found: v20\\.11\\.1\\) and node-linux-${ARCH}@${WANT} could not be fetched from the npm registry`,
          ),
        );
        assert.equal(r.nodeAfter, "v20.11.1");
        assert.deepEqual(b.npmCalls(), [`pack --silent node-linux-${ARCH}@${WANT}`]);
        assert.equal(fs.existsSync(b.cache), false, "no half-filled cache");
      });

      it("with an old node on macOS: says what to install and fetches no Linux binary", () => {
        const b = box();
        writeTool(path.join(b.bin, "uname"), 'case "$1" in -s) echo Darwin ;; -m) echo arm64 ;; esac');
        const r = source(shell, b);
        assert.notEqual(r.status, 0);
        assert.doesNotMatch(r.stderr, USING);
        assert.match(
          r.stderr,
          new RegExp(`On macOS install it yourself, e\\.g\\. \`brew install node@${WANT_MAJOR}\``),
        );
        assert.deepEqual(b.npmCalls(), [], "no node-linux-* package on a Mac");
        assert.equal(r.nodeAfter, "v20.11.1");
      });

      it("with an old Node in the cache (a broken download): refuses it instead of using it", () => {
        const b = box();
        fakeNode(path.join(b.cache, "bin", "node"), "20.0.0");
        const r = source(shell, b);
        assert.notEqual(r.status, 0);
        assert.doesNotMatch(r.stderr, USING);
        assert.match(r.stderr, new RegExp(`${b.cache}/bin/node is not Node ${WANT_MAJOR}; delete`));
        assert.equal(r.nodeAfter, "v20.11.1");
      });

      it("sourced from another directory: works where the shell knows the file's path, else says where to run it", () => {
        const b = box();
        fakeNode(path.join(b.cache, "bin", "node"), WANT);
        const r = source(shell, b, b.dir);
        if (knowsSourcedPath(shell)) {
          assert.equal(r.status, 0, r.stderr);
          assert.equal(r.nodeAfter, `v${WANT}`);
        } else {
          assert.notEqual(r.status, 0);
          assert.doesNotMatch(r.stderr, USING);
          assert.match(r.stderr, /run it from the repository root: \. scripts\/ensure-node\.sh/);
        }
      });
    });
  }

  it("bash with set -euo pipefail (as .ci/run): a failure stops the script at the source line", function () {
    const bash = installed("bash");
    if (bash === undefined || ARCH === undefined) return this.skip();
    const b = box();
    const result = spawnSync(
      bash,
      ["-c", `set -euo pipefail\n. "$1"\necho "npm ci would run"`, "ci", SCRIPT],
      {
        cwd: ROOT,
        env: { PATH: `${b.bin}:${SYSTEM_PATH}`, HOME: b.home },
        encoding: "utf8",
      },
    );
    assert.notEqual(result.status, 0);
    assert.doesNotMatch(result.stdout, /npm ci would run/);
    assert.match(result.stderr, /could not be fetched from the npm registry/);
  });
});
