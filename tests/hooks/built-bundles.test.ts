/**
 * What the build does for start-up time, checked on the built files: the STS probe bundle must not
 * drag in Node modules it never uses (they cost the pre hook milliseconds on every run), and the
 * image-build warm-up must leave a compile cache the hooks then accept. A damaged cache must only
 * make the start slower, never break a hook.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HOOKS_DIST } from "../support/agent-simulator";

const LIB = path.join(HOOKS_DIST, "lib");

function runNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Loads the probe bundle, makes one GetCallerIdentity against a local double, lists loaded modules. */
const PROBE_ONCE = `
const http = require("node:http");
const { createProbe } = require(process.argv[1]);
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.setHeader("content-type", "text/xml");
    res.end("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/probe</Arn>" +
      "<UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
  });
});
server.listen(0, "127.0.0.1", async () => {
  process.env.AWS_ENDPOINT_URL_STS = "http://127.0.0.1:" + server.address().port;
  const probe = createProbe({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" }, "us-east-1");
  const result = await probe.callerIdentity(5000);
  probe.close();
  server.close();
  console.log(JSON.stringify({ result, modules: process.moduleLoadList }));
});
`;

describe("hooks: built bundles", function () {
  this.timeout(60_000);
  let scratch: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-jit-aws-bundles-"));
  });
  afterEach(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("the STS probe calls AWS without loading Node's HTTP/2, worker or fetch modules (never used, slow to load)", () => {
    const r = runNode(["-e", PROBE_ONCE, path.join(LIB, "sts-probe.cjs")]);
    assert.equal(r.code, 0, r.out);
    const { result, modules } = JSON.parse(r.out.trim().split("\n").at(-1) ?? "") as {
      result: { ok: boolean; detail: string };
      modules: string[];
    };
    assert.deepEqual(result, { ok: true, detail: "arn:aws:iam::123456789012:user/probe" });
    // http2 came with the SDK's CommonJS HTTP handler; worker_threads and undici came with Node's
    // ES module loader, which the SDK's lazy import() of built-ins started.
    for (const unwanted of [
      "NativeModule http2",
      "NativeModule worker_threads",
      "NativeModule internal/deps/undici/undici",
    ]) {
      assert.ok(!modules.includes(unwanted), `${unwanted} is loaded`);
    }
  });

  it("the image-build warm-up fills a compile cache that the hooks' bundles are then loaded from, and runs no hook", () => {
    const lib = path.join(scratch, "lib");
    fs.cpSync(LIB, lib, { recursive: true, filter: (src) => !src.includes(".compile-cache") });
    const warm = runNode([path.join(lib, "warm-compile-cache.cjs")]);
    assert.equal(warm.code, 0, warm.out);
    assert.equal(warm.out.trim(), `tfc-jit-aws hooks: compile cache ${path.join(lib, ".compile-cache")}`);

    const load = runNode(
      [
        "-e",
        `require("node:module").enableCompileCache(${JSON.stringify(path.join(lib, ".compile-cache"))});
         require(${JSON.stringify(path.join(lib, "hooks.cjs"))});
         require(${JSON.stringify(path.join(lib, "sts-probe.cjs"))});`,
      ],
      { NODE_DEBUG_NATIVE: "COMPILE_CACHE" },
    );
    assert.equal(load.code, 0, load.out);
    for (const bundle of ["hooks.cjs", "sts-probe.cjs"]) {
      assert.match(load.out, new RegExp(`cache for CommonJS \\S*${bundle.replace(".", "\\.")} was accepted`));
    }
  });

  it("a damaged compile cache is ignored: the bundles still load", () => {
    const lib = path.join(scratch, "lib");
    fs.cpSync(LIB, lib, { recursive: true, filter: (src) => !src.includes(".compile-cache") });
    assert.equal(runNode([path.join(lib, "warm-compile-cache.cjs")]).code, 0);
    const cache = path.join(lib, ".compile-cache");
    let damaged = 0;
    for (const entry of fs.readdirSync(cache, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      fs.writeFileSync(path.join(entry.parentPath, entry.name), "not a V8 code cache");
      damaged++;
    }
    assert.ok(damaged >= 2, `damaged ${damaged} cache files`);

    const load = runNode([
      "-e",
      `require("node:module").enableCompileCache(${JSON.stringify(cache)});
       const hooks = require(${JSON.stringify(path.join(lib, "hooks.cjs"))});
       const probe = require(${JSON.stringify(path.join(lib, "sts-probe.cjs"))});
       console.log(typeof hooks.run, typeof probe.createProbe);`,
    ]);
    assert.equal(load.code, 0, load.out);
    assert.equal(load.out.trim(), "function function");
  });
});
