// Builds hooks/dist/: exactly what the image installs in /opt/tfc-jit-aws (hooks/src/layout.ts).
//   hooks/terraform-{pre,post}-{plan,apply}   launchers the agent runs (copied into its hooks dir)
//   libexec/terraform-{pre,post}-{plan,apply} root-owned wrappers sudo starts as the hooks' user
//   lib/terraform-{pre,post}-{plan,apply}.cjs one bundle per hook (post hooks carry no STS signer)
//   lib/tfc-jit-aws-keeper.cjs                the keeper a pre hook leaves (hooks/src/keeper.ts)
//   lib/warm-compile-cache.cjs                loads the four bundles once at image build
//   sudoers                                   the sudo rule, for /etc/sudoers.d/
//   bin/start-agent                           the image's entrypoint
import { build } from "esbuild";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const final = join(here, "dist");
// Built aside (under node_modules/.cache: ignored by git, same file system) and swapped in, so a
// concurrent test run (several engineers share one work tree) never sees a half-written dist/.
const modules = [join(here, "..", "node_modules"), join(here, "node_modules")].find((d) => existsSync(d));
const scratch = join(modules ?? here, ".cache", "tfc-jit-aws-hooks");
mkdirSync(scratch, { recursive: true });
const dist = join(scratch, `building-${process.pid}`);
for (const sub of ["lib", "hooks", "libexec", "bin"]) mkdirSync(join(dist, sub), { recursive: true });

// The layout and its renderers, from the same TypeScript the tests use.
const layoutFile = join(scratch, `layout-${process.pid}.cjs`);
await build({
  entryPoints: [join(here, "src/layout.ts")],
  outfile: layoutFile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  logLevel: "warning",
});
const layout = createRequire(import.meta.url)(layoutFile);
rmSync(layoutFile);

const entry = (hook) => {
  const pre = hook.includes("-pre-");
  const work = pre ? "runPreHook" : "runPostHook";
  return {
    contents:
      `import { run } from "./main";\nimport { ${work} } from "./${pre ? "pre" : "post"}-hook";\n` +
      // Loading a bundle without running it (the compile-cache warm-up) must do nothing.
      `if (require.main === module) run(${JSON.stringify(hook)}, ${work});\n`,
    resolveDir: join(here, "src"),
    sourcefile: `${hook}.ts`,
    loader: "ts",
  };
};

for (const hook of layout.HOOK_NAMES) {
  await build({
    stdin: entry(hook),
    outfile: join(dist, "lib", `${hook}.cjs`),
    bundle: true,
    platform: "node",
    // The ES module builds first: @smithy/signature-v4's CommonJS build requires whole
    // @smithy/core submodules (about 130 kB, evaluated at every start); from its ES module build
    // esbuild keeps only what the signer uses. The pre hook bundle goes from 165 kB to 37 kB.
    mainFields: ["module", "main"],
    target: "node24",
    format: "cjs",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
  });
}

// The keeper: started by the pre hooks from the same lib/ directory (hooks/src/keeper-control.ts).
await build({
  stdin: {
    contents: `import { keeperMain } from "./keeper-main";\nif (require.main === module) keeperMain(process.argv.slice(2));\n`,
    resolveDir: join(here, "src"),
    sourcefile: "tfc-jit-aws-keeper.ts",
    loader: "ts",
  },
  outfile: join(dist, "lib", "tfc-jit-aws-keeper.cjs"),
  bundle: true,
  platform: "node",
  mainFields: ["module", "main"],
  target: "node24",
  format: "cjs",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});

const L = layout.IMAGE_LAYOUT;
const warm = `"use strict";
// Run once at image build as ${L.hooksUser}, with NODE_COMPILE_CACHE set as the wrappers set it:
// the first hook of a fresh container then starts with a warm cache. Loads, runs no hook.
${[...layout.HOOK_NAMES, "tfc-jit-aws-keeper"].map((h) => `require("./${h}.cjs");`).join("\n")}
require("node:module").flushCompileCache?.();
console.log("tfc-jit-aws hooks: compile cache " + (require("node:module").getCompileCacheDir?.() ?? "unavailable"));
`;
writeFileSync(join(dist, "lib", "warm-compile-cache.cjs"), warm);
const executable = (file, text) => {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
};
for (const hook of layout.HOOK_NAMES) {
  executable(join(dist, "hooks", hook), layout.renderLauncher(L, hook));
  executable(join(dist, "libexec", hook), layout.renderWrapper(L, hook));
}
writeFileSync(join(dist, "sudoers"), layout.renderSudoers(L), { mode: 0o440 });
executable(join(dist, "bin", "start-agent"), layout.renderStartScript(L));

const old = join(scratch, `old-${process.pid}`);
if (existsSync(final)) renameSync(final, old);
renameSync(dist, final);
rmSync(old, { recursive: true, force: true });
console.log(`hooks: built ${layout.HOOK_NAMES.length} hooks into ${final}`);
