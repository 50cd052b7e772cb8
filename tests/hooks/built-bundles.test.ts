/**
 * What the build produces, checked on the built files: one bundle per hook, the post hooks without
 * the STS signer (they never probe AWS), the pre hooks' probe without the whole AWS SDK client, and
 * the image-build warm-up leaving a compile cache the hooks then accept. A damaged cache must only
 * make the start slower, never break a hook.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  HOOK_NAMES,
  IMAGE_LAYOUT,
  renderLauncher,
  renderStartScript,
  renderSudoers,
  renderWrapper,
} from "../../hooks/src/layout";
import { HOOKS_DIST } from "../support/agent-host";

const LIB = path.join(HOOKS_DIST, "lib");

function runNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("hooks: built bundles", function () {
  this.timeout(60_000);
  let scratch: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-jit-aws-bundles-"));
  });
  afterEach(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("builds one bundle per hook; only the pre hooks carry the SigV4 signer, and none the STS client", () => {
    for (const hook of HOOK_NAMES) {
      const text = fs.readFileSync(path.join(LIB, `${hook}.cjs`), "utf8");
      const signs = text.includes("AWS4-HMAC-SHA256");
      assert.equal(signs, hook.includes("-pre-"), `${hook}: SigV4 signer ${signs ? "present" : "absent"}`);
      assert.doesNotMatch(text, /GetCallerIdentityCommand|STSClient/, `${hook} bundles the STS client`);
    }
  });

  it("ships exactly the launchers, wrappers, sudo rule and start script rendered for the image, valid sh and sudoers", function () {
    const shipped: Array<[string, string]> = [
      ...HOOK_NAMES.flatMap((h): Array<[string, string]> => [
        [`hooks/${h}`, renderLauncher(IMAGE_LAYOUT, h)],
        [`libexec/${h}`, renderWrapper(IMAGE_LAYOUT, h)],
      ]),
      ["bin/start-agent", renderStartScript(IMAGE_LAYOUT)],
      ["sudoers", renderSudoers(IMAGE_LAYOUT)],
    ];
    for (const [rel, text] of shipped) {
      const file = path.join(HOOKS_DIST, rel);
      assert.equal(fs.readFileSync(file, "utf8"), text, rel);
      if (rel !== "sudoers") {
        assert.equal(fs.statSync(file).mode & 0o777, 0o755, `${rel} mode`);
        const syntax = spawnSync("/bin/sh", ["-n", file], { encoding: "utf8" });
        assert.equal(syntax.status, 0, `${rel}: ${syntax.stderr}`);
      }
    }
    if (!fs.existsSync("/usr/sbin/visudo")) {
      console.log("      visudo not installed: the sudo rule's syntax is checked at image build only");
      return;
    }
    const check = spawnSync("/usr/sbin/visudo", ["-c", "-f", path.join(HOOKS_DIST, "sudoers")], {
      encoding: "utf8",
    });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it("loading a bundle runs no hook (only running it as the main module does)", () => {
    for (const hook of HOOK_NAMES) {
      const r = runNode([
        "-e",
        `require(${JSON.stringify(path.join(LIB, `${hook}.cjs`))}); console.log("loaded");`,
      ]);
      assert.equal(r.code, 0, r.out);
      assert.equal(r.out.trim(), "loaded");
    }
  });

  it("the image-build warm-up fills a compile cache that the hooks' bundles are then loaded from, and runs no hook", () => {
    const lib = path.join(scratch, "lib");
    fs.cpSync(LIB, lib, { recursive: true, filter: (src) => !src.includes(".compile-cache") });
    const cache = path.join(lib, ".compile-cache");
    const warm = runNode([path.join(lib, "warm-compile-cache.cjs")], { NODE_COMPILE_CACHE: cache });
    assert.equal(warm.code, 0, warm.out);
    assert.ok(warm.out.trim().startsWith(`tfc-jit-aws hooks: compile cache ${cache}`), warm.out);

    const load = runNode(
      ["-e", HOOK_NAMES.map((h) => `require(${JSON.stringify(path.join(lib, `${h}.cjs`))});`).join("\n")],
      { NODE_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: "COMPILE_CACHE" },
    );
    assert.equal(load.code, 0, load.out);
    for (const hook of HOOK_NAMES) {
      assert.match(load.out, new RegExp(`cache for CommonJS \\S*${hook}\\.cjs was accepted`));
    }
  });

  it("a damaged compile cache is ignored: the bundles still load", () => {
    const lib = path.join(scratch, "lib");
    fs.cpSync(LIB, lib, { recursive: true, filter: (src) => !src.includes(".compile-cache") });
    const cache = path.join(lib, ".compile-cache");
    assert.equal(runNode([path.join(lib, "warm-compile-cache.cjs")], { NODE_COMPILE_CACHE: cache }).code, 0);
    let damaged = 0;
    for (const entry of fs.readdirSync(cache, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      fs.writeFileSync(path.join(entry.parentPath, entry.name), "not a V8 code cache");
      damaged++;
    }
    assert.ok(damaged >= 4, `damaged ${damaged} cache files`);
    const load = runNode(
      [
        "-e",
        `${HOOK_NAMES.map((h) => `require(${JSON.stringify(path.join(lib, `${h}.cjs`))});`).join("\n")} console.log("ok");`,
      ],
      { NODE_COMPILE_CACHE: cache },
    );
    assert.equal(load.code, 0, load.out);
    assert.equal(load.out.trim(), "ok");
  });
});
