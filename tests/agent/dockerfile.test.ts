import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DockerfileParser, type Copy, type Dockerfile, type Instruction } from "dockerfile-ast";
import { IMAGE_CONTEXT_EXCLUDES, IMAGE_CONTEXT_PATHS } from "../../components/agent-image-context";
import { MIN_TFC_AGENT_VERSION, DEFAULT_TFC_AGENT_VERSION, versionAtLeast } from "../../config/agent";

const ROOT = path.resolve(__dirname, "../..");
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");
const HOOKS_DIR = "/home/tfc-agent/.tfc-agent/hooks/";

/** The instructions of each stage (split at FROM). */
function stages(df: Dockerfile): Instruction[][] {
  const out: Instruction[][] = [];
  for (const i of df.getInstructions()) {
    if (i.getKeyword() === "FROM") out.push([]);
    out.at(-1)?.push(i);
  }
  return out;
}

/** Expands ${VAR}, ${VAR:+word} and ${VAR:-word} as BuildKit does, from the given ARG values. */
function expand(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::([+-])([^}]*))?\}/g, (_m, name: string, op?: string, word?: string) => {
    const value = args[name] ?? "";
    if (op === "+") return value === "" ? "" : (word ?? "");
    if (op === "-") return value === "" ? (word ?? "") : value;
    return value;
  });
}

function initialArgs(df: Dockerfile): Record<string, string> {
  return Object.fromEntries(
    df.getInitialARGs().map((a) => {
      const p = a.getProperty();
      return [p?.getName() ?? "", (p?.getValue() ?? "").replace(/^"(.*)"$/, "$1")];
    }),
  );
}

function keywordArgs(stage: Instruction[], keyword: string): string[] {
  return stage.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? "");
}

describe("agent Dockerfile", () => {
  const text = read("hooks/Dockerfile");
  const df = DockerfileParser.parse(text);
  const [build, final] = stages(df);
  const defaults = initialArgs(df);

  it("has exactly two stages: a glibc Node build stage and the tfc-agent final stage", () => {
    assert.equal(stages(df).length, 2);
    const [buildFrom, finalFrom] = df.getFROMs();
    assert.equal(buildFrom.getImageName(), "node");
    // Debian-based (glibc) like the Ubuntu agent image; never alpine (musl) for a copied binary.
    assert.match(
      expand(buildFrom.getImageTag() ?? "", defaults),
      /^\d+\.\d+\.\d+-(bookworm|trixie)(-slim)?$/,
    );
    assert.equal(finalFrom.getImageName(), "hashicorp/tfc-agent");
  });

  it("builds with the exact Node version pinned in .node-version", () => {
    assert.equal(defaults.NODE_VERSION, read(".node-version").trim());
    assert.equal(
      expand(df.getFROMs()[0].getImageTag() ?? "", defaults),
      `${defaults.NODE_VERSION}-bookworm-slim`,
    );
  });

  it("pins the agent base by an exact version >= 1.17.1, and by digest when one is given", () => {
    const from = df.getFROMs()[1].getImage() ?? "";
    assert.equal(expand(from, defaults), `hashicorp/tfc-agent:${DEFAULT_TFC_AGENT_VERSION}`);
    assert.ok(versionAtLeast(defaults.TFC_AGENT_VERSION, MIN_TFC_AGENT_VERSION));
    const digest = `sha256:${"ab".repeat(32)}`;
    assert.equal(
      expand(from, { ...defaults, TFC_AGENT_VERSION: "1.17.1", TFC_AGENT_DIGEST: digest }),
      `hashicorp/tfc-agent:1.17.1@${digest}`,
    );
  });

  it("never refers to a :latest image or pipes a download into a shell", () => {
    assert.doesNotMatch(text, /:latest\b/);
    for (const from of df.getFROMs()) assert.notEqual(from.getImageTag(), null, "every FROM has a tag");
    for (const run of df.getInstructions().filter((i) => i.getKeyword() === "RUN")) {
      const cmd = run.getArgumentsContent() ?? "";
      assert.doesNotMatch(cmd, /\b(curl|wget)\b/, `RUN downloads at build time outside npm: ${cmd}`);
      assert.doesNotMatch(cmd, /\|\s*(ba|z|da)?sh\b/, `RUN pipes into a shell: ${cmd}`);
    }
    assert.equal(
      df.getInstructions().filter((i) => i.getKeyword() === "ADD").length,
      0,
      "ADD can fetch URLs",
    );
  });

  it("builds the hooks with the same install and build commands as the repository (root lockfile, hooks workspace)", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    const runs = keywordArgs(build, "RUN");
    assert.deepEqual(runs, ["npm ci --no-audit --no-fund --workspace hooks", pkg.scripts.build]);
    assert.equal(pkg.scripts.build, "npm run build --workspace hooks");
    // `npm test` builds the hooks with that same script before the hook tests run the artifact.
    assert.match(pkg.scripts.test, /^npm run build && /);
    // .ci/run installs with the same flags before running the tests that build the hooks.
    assert.match(read(".ci/run"), /^npm ci --no-audit --no-fund$/m);
    assert.deepEqual(keywordArgs(build, "COPY").slice(0, 2), [
      "package.json package-lock.json ./",
      "hooks/package.json hooks/",
    ]);
  });

  it("copies the Node binary and the built hooks, root-owned with mode 0755 (read-only to the agent user), into the agent's hooks dir", () => {
    const finalStart = df.getFROMs()[1].getRange().start.line;
    const copies = df.getCOPYs().filter((c) => c.getRange().start.line > finalStart);
    const flagsOf = (c: Copy) => Object.fromEntries(c.getFlags().map((f) => [f.getName(), f.getValue()]));

    const node = copies.find((c) => (c.getArgumentsContent() ?? "").endsWith("/usr/local/bin/node"));
    assert.ok(node, "node is copied to /usr/local/bin/node");
    assert.equal(node.getArgumentsContent(), "/usr/local/bin/node /usr/local/bin/node");
    assert.deepEqual(flagsOf(node), { from: "build" });

    const hooks = copies.find((c) => (c.getArgumentsContent() ?? "").endsWith(HOOKS_DIR));
    assert.ok(hooks, `hooks are copied to ${HOOKS_DIR}`);
    // Terraform and its providers run as tfc-agent: they must not be able to rewrite a hook.
    assert.deepEqual(flagsOf(hooks), { from: "build", chown: "root:root", chmod: "0755" });
    assert.equal(hooks.getArgumentsContent(), `/src/hooks/dist/ ${HOOKS_DIR}`);

    const mkdir = keywordArgs(final, "RUN").find((r) => r.includes("mkdir")) ?? "";
    assert.ok(
      mkdir.includes(`mkdir -p ${HOOKS_DIR.replace(/\/$/, "")}`),
      "the hooks dir is made with mkdir -p",
    );
    assert.ok(
      mkdir.includes(`chown root:root ${HOOKS_DIR.replace(/\/$/, "")}`),
      "the hooks dir itself is root's",
    );
    assert.ok(!/chown -R tfc-agent/.test(mkdir), "nothing hands the hooks dir back to the agent user");
  });

  it("disables auto-update, runs one job per agent and raises the pre-hook timeouts", () => {
    const env = Object.fromEntries(
      df.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
    );
    assert.equal(env.TFC_AGENT_AUTO_UPDATE, "disabled");
    assert.equal(env.TFC_AGENT_SINGLE, "true");
    for (const key of ["TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT", "TFC_AGENT_HOOK_PRE_APPLY_TIMEOUT"]) {
      const seconds = Number(env[key]);
      // Above the default 60 s (the hooks' probe budget needs more), within the agent's 600 s maximum.
      assert.ok(seconds > 60 && seconds <= 600, `${key}=${env[key]}`);
    }
  });

  it("ends as USER tfc-agent (only build-time RUN steps after it) and keeps the base image's entrypoint", () => {
    const users = keywordArgs(final, "USER");
    assert.equal(users.at(-1), "tfc-agent");
    const lastUser = final.findLastIndex((i) => i.getKeyword() === "USER");
    assert.deepEqual(
      final.slice(lastUser + 1).map((i) => i.getKeyword()),
      final.slice(lastUser + 1).map(() => "RUN"),
      "nothing but RUN after the last USER",
    );
    assert.equal(df.getENTRYPOINTs().length, 0);
    assert.equal(df.getCMDs().length, 0);
  });

  it("fills the hooks' compile cache at build time as tfc-agent, with the copied Node, then makes it root's and read-only", () => {
    const warmAt = final.findIndex(
      (i) => i.getKeyword() === "RUN" && (i.getArgumentsContent() ?? "").includes("warm-compile-cache"),
    );
    assert.ok(warmAt > 0, "a RUN step runs lib/warm-compile-cache.cjs");
    // The runtime `node` on PATH is the binary copied from the build stage: the cache is keyed by it.
    assert.equal(final[warmAt].getArgumentsContent(), `node ${HOOKS_DIR}lib/warm-compile-cache.cjs`);
    const before = final.slice(0, warmAt);
    // Node keys the cache directory by user id: it must be filled by the user that runs the hooks.
    assert.equal(keywordArgs(before, "USER").at(-1), "tfc-agent", "the cache is filled as tfc-agent");
    // ...and then handed back to root, read-only to the agent, like the hooks themselves.
    const after = final.slice(warmAt + 1);
    const rootAgain = after.findIndex((i) => i.getKeyword() === "USER" && i.getArgumentsContent() === "root");
    assert.ok(rootAgain >= 0, "root takes over again after the warm-up");
    const handBack =
      after
        .slice(rootAgain)
        .find((i) => i.getKeyword() === "RUN")
        ?.getArgumentsContent() ?? "";
    assert.match(handBack, new RegExp(`chown -R root:root ${HOOKS_DIR}lib/\\.compile-cache`));
    assert.match(handBack, /chmod -R a\+rX,go-w /);
    const copied = before.some(
      (i) => i.getKeyword() === "COPY" && (i.getArgumentsContent() ?? "").endsWith(HOOKS_DIR),
    );
    assert.ok(copied, "the hooks are copied before the cache is filled");
  });

  it("keeps the build context to the allow-list the image tag hashes", () => {
    const lines = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepEqual(lines, ["*", ...IMAGE_CONTEXT_PATHS.map((p) => `!${p}`), ...IMAGE_CONTEXT_EXCLUDES]);
  });
});
