import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DockerfileParser, type Copy, type Dockerfile, type Instruction } from "dockerfile-ast";
import { IMAGE_CONTEXT_EXCLUDES, IMAGE_CONTEXT_PATHS } from "../../components/agent-image-context";
import { MIN_TFC_AGENT_VERSION, DEFAULT_TFC_AGENT_VERSION, versionAtLeast } from "../../config/agent";
import { HOOK_ENVIRONMENT, TAGGED_HOOK_VARIABLES } from "../../hooks/src/contract";
import {
  AGENT_BINARIES,
  compileCacheDir,
  HOOKS_UID,
  IMAGE_LAYOUT as L,
  renderStartScript,
  renderSudoers,
  startScriptPath,
  SUDOERS_FILE,
} from "../../hooks/src/layout";

const ROOT = path.resolve(__dirname, "../..");
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");

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

  it("builds with the exact Node version pinned in .node-version, pinned by digest", () => {
    assert.equal(defaults.NODE_VERSION, read(".node-version").trim());
    const digest = `sha256:${"cd".repeat(32)}`;
    assert.equal(
      expand(df.getFROMs()[0].getImage() ?? "", { ...defaults, NODE_DIGEST: digest }),
      `node:${defaults.NODE_VERSION}-bookworm-slim@${digest}`,
    );
  });

  it("pins the agent base by an exact version >= 1.17.1 and by digest", () => {
    const from = df.getFROMs()[1].getImage() ?? "";
    assert.ok(versionAtLeast(defaults.TFC_AGENT_VERSION, MIN_TFC_AGENT_VERSION));
    assert.equal(defaults.TFC_AGENT_VERSION, DEFAULT_TFC_AGENT_VERSION);
    const digest = `sha256:${"ab".repeat(32)}`;
    assert.equal(
      expand(from, { ...defaults, TFC_AGENT_VERSION: "1.17.1", TFC_AGENT_DIGEST: digest }),
      `hashicorp/tfc-agent:1.17.1@${digest}`,
    );
  });

  it("has no default digest for either base image: a build without the digests fails (no fake all-zero pins)", () => {
    for (const arg of ["NODE_DIGEST", "TFC_AGENT_DIGEST"]) {
      assert.ok(arg in defaults, `ARG ${arg} is declared`);
      assert.equal(defaults[arg], "", `${arg} has no default`);
    }
    assert.doesNotMatch(text, /sha256:0{64}/);
    for (const from of df.getFROMs()) assert.match(from.getImage() ?? "", /@\$\{\w+_DIGEST\}$/);
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

  it("copies the Node binary and the built hooks, root-owned and read-only to everyone else, into the install dir", () => {
    const finalStart = df.getFROMs()[1].getRange().start.line;
    const copies = df.getCOPYs().filter((c) => c.getRange().start.line > finalStart);
    const flagsOf = (c: Copy) => Object.fromEntries(c.getFlags().map((f) => [f.getName(), f.getValue()]));

    const node = copies.find((c) => (c.getArgumentsContent() ?? "").endsWith(L.node));
    assert.ok(node, `node is copied to ${L.node}`);
    assert.equal(node.getArgumentsContent(), `/usr/local/bin/node ${L.node}`);
    assert.deepEqual(flagsOf(node), { from: "build" });

    const install = copies.find((c) => (c.getArgumentsContent() ?? "").endsWith(`${L.installDir}/`));
    assert.ok(install, `hooks/dist is copied to ${L.installDir}`);
    assert.deepEqual(flagsOf(install), { from: "build", chown: "root:root", chmod: "0755" });
    assert.equal(install.getArgumentsContent(), `/src/hooks/dist/ ${L.installDir}/`);
  });

  it("installs the sudo rule rendered from hooks/src/layout.ts as root-owned 0440 and checks it with visudo -c", () => {
    const finalStart = df.getFROMs()[1].getRange().start.line;
    const copies = df.getCOPYs().filter((c) => c.getRange().start.line > finalStart);
    const sudoers = copies.find((c) => (c.getArgumentsContent() ?? "").endsWith(SUDOERS_FILE));
    assert.ok(sudoers, `the rule is copied to ${SUDOERS_FILE}`);
    assert.equal(sudoers.getArgumentsContent(), `/src/hooks/dist/sudoers ${SUDOERS_FILE}`);
    assert.deepEqual(Object.fromEntries(sudoers.getFlags().map((f) => [f.getName(), f.getValue()])), {
      from: "build",
      chown: "root:root",
      chmod: "0440",
    });
    const runs = keywordArgs(final, "RUN");
    assert.ok(
      runs.some((r) => r.includes(`/usr/sbin/visudo -c -f ${SUDOERS_FILE}`)),
      "visudo -c checks it",
    );
    assert.ok(
      runs.some((r) => /apt-get install -y --no-install-recommends sudo/.test(r)),
      "sudo is installed",
    );
    // The rule itself: the four wrappers, no arguments, env reset, an explicit list; the only
    // wildcards are the tagged forms <BASE>_* of the tagged hook variables.
    const rule = renderSudoers(L);
    assert.match(rule, /env_reset/);
    assert.doesNotMatch(rule, /SETENV|ALL\s*$/m);
    const kept = (/env_keep = "([^"]*)"/.exec(rule)?.[1] ?? "").split(" ");
    assert.deepEqual(kept, [...HOOK_ENVIRONMENT]);
    const tagged = (/env_keep \+= "([^"]*)"/.exec(rule)?.[1] ?? "").split(" ");
    assert.deepEqual(
      tagged,
      TAGGED_HOOK_VARIABLES.map((b) => `${b}_*`),
    );
    const withoutTagged = rule.replace(/env_keep \+= "[^"]*"/, "").replace(/^#.*$/gm, "");
    assert.doesNotMatch(withoutTagged, /\*/, "no other wildcard");
    for (const name of [...kept, ...tagged])
      assert.doesNotMatch(name, /^(NODE_|LD_|PATH$|TFC_AGENT_TOKEN$|\*)/);
    assert.equal(
      (rule.match(/\/opt\/tfc-jit-aws\/libexec\/terraform-(pre|post)-(plan|apply) ""/g) ?? []).length,
      4,
    );
  });

  it("creates the hooks' user with the fixed uid the Docker runtime's tmpfs options name", () => {
    const runs = keywordArgs(final, "RUN");
    assert.ok(
      runs.some(
        (r) => r.includes(`useradd --system --uid ${HOOKS_UID} --user-group`) && r.endsWith(L.hooksUser),
      ),
      `useradd --uid ${HOOKS_UID} ${L.hooksUser}`,
    );
  });

  it("makes the agent's binaries root-owned and execute-only (0711), and their dir root's", () => {
    const runs = keywordArgs(final, "RUN").join("\n");
    for (const bin of AGENT_BINARIES) {
      assert.match(runs, new RegExp(`chown root:root [^\\n]*${bin}`));
      assert.match(runs, new RegExp(`chmod 0711 [^\\n]*${bin}`));
    }
    assert.match(runs, /chown root:root \/home\/tfc-agent\/bin /);
    assert.match(runs, /chmod 0755 \/home\/tfc-agent\/bin /);
  });

  it("lays out the data dir root-owned and sticky (1770, agent group), the state dir private to the hooks' user and the credentials dir the hooks' user's, readable by all (0755)", () => {
    const runs = keywordArgs(final, "RUN").join("\n");
    assert.ok(runs.includes(`install -d -o root -g ${L.agentUser} -m 1770 ${L.dataDir}`));
    assert.ok(runs.includes(`install -d -o ${L.hooksUser} -g ${L.hooksUser} -m 0700 ${L.stateDir}`));
    assert.ok(runs.includes(`install -d -o ${L.hooksUser} -g ${L.hooksUser} -m 0755 ${L.credentialsDir}`));
    // The start script makes the same directories the same way (each container start, and on tmpfs).
    const start = renderStartScript(L);
    for (const dir of [L.dataDir, L.stateDir, L.credentialsDir]) {
      const inImage = new RegExp(`install -d (-o \\S+ -g \\S+ -m \\d+) ${dir}(?: |$)`, "m").exec(runs)?.[1];
      assert.ok(inImage, dir);
      assert.ok(
        start.includes(`/usr/bin/install -d ${inImage} ${dir}\n`),
        `${dir}: start script differs from the image`,
      );
    }
  });

  it("disables auto-update, runs one job per agent, sets the data dir and raises the pre-hook timeouts", () => {
    const env = Object.fromEntries(
      df.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
    );
    assert.equal(env.TFC_AGENT_AUTO_UPDATE, "disabled");
    assert.equal(env.TFC_AGENT_SINGLE, "true");
    assert.equal(env.TFC_AGENT_DATA_DIR, L.dataDir);
    for (const key of ["TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT", "TFC_AGENT_HOOK_PRE_APPLY_TIMEOUT"]) {
      const seconds = Number(env[key]);
      // Above the default 60 s (the hooks' probe budget needs more), within the agent's 600 s maximum.
      assert.ok(seconds > 60 && seconds <= 600, `${key}=${env[key]}`);
    }
    assert.equal(env.TFC_AGENT_TOKEN, undefined, "the token is never baked into the image");
  });

  it("starts through the root-owned start script, which drops to the agent user (no USER after root)", () => {
    const entry = df.getENTRYPOINTs();
    assert.equal(entry.length, 1);
    assert.equal(entry[0].getArgumentsContent(), `["${startScriptPath(L)}"]`);
    assert.equal(keywordArgs(final, "USER").at(-1), "root");
    assert.equal(df.getCMDs().length, 0);
  });

  it("fills the hooks' compile cache at build time as the hooks' user, with the wrappers' environment, then makes it root's", () => {
    const runs = keywordArgs(final, "RUN");
    const warm = runs.find((r) => r.includes("warm-compile-cache")) ?? "";
    assert.ok(
      warm.startsWith(
        `/usr/sbin/runuser -u ${L.hooksUser} -- ${L.env} -i NODE_COMPILE_CACHE=${compileCacheDir(L)} ${L.node} ${L.installDir}/lib/warm-compile-cache.cjs`,
      ),
      warm,
    );
    assert.ok(warm.includes(`chown -R root:root ${compileCacheDir(L)}`));
    assert.match(warm, /chmod -R a\+rX,go-w /);
  });

  it("keeps the build context to the allow-list the image tag hashes", () => {
    const lines = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepEqual(lines, ["*", ...IMAGE_CONTEXT_PATHS.map((p) => `!${p}`), ...IMAGE_CONTEXT_EXCLUDES]);
  });
});
