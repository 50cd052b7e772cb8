/**
 * What goes into the agent image's build context, and a content tag for it. The ECR repository
 * has immutable tags, so each distinct build needs its own tag: a hash of exactly the files the
 * build reads (the same allow-list as .dockerignore, kept equal by tests/agent/dockerfile.test.ts)
 * and of the build arguments. An unchanged tree gives the same tag; any change gives a new one.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

/** Paths (relative to the repository root) the Docker build context admits. */
export const IMAGE_CONTEXT_PATHS: readonly string[] = ["package.json", "package-lock.json", "hooks"];
/** Paths under IMAGE_CONTEXT_PATHS that stay out (installed and built in the image instead). */
export const IMAGE_CONTEXT_EXCLUDES: readonly string[] = ["hooks/node_modules", "hooks/dist"];
/** The Dockerfile, relative to the context root. */
export const DOCKERFILE = "hooks/Dockerfile";

function walk(root: string, rel: string, out: string[]): void {
  if (IMAGE_CONTEXT_EXCLUDES.includes(rel)) return;
  const full = path.join(root, rel);
  if (statSync(full).isDirectory()) {
    for (const entry of readdirSync(full).sort()) walk(root, path.posix.join(rel, entry), out);
  } else {
    out.push(rel);
  }
}

/** The context's files, sorted, relative to `root`. Throws if a required path is missing. */
export function contextFiles(root: string): string[] {
  const files: string[] = [];
  for (const p of IMAGE_CONTEXT_PATHS) walk(root, p, files);
  return files;
}

/**
 * A 20-hex-digit tag over the context files (path and content) and the build arguments.
 * Build arguments are hashed in key order so the tag does not depend on object order.
 */
export function contentTag(root: string, buildArgs: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  for (const rel of contextFiles(root)) {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(path.join(root, rel)));
    hash.update("\0");
  }
  for (const key of Object.keys(buildArgs).sort()) hash.update(`${key}=${buildArgs[key]}\0`);
  return hash.digest("hex").slice(0, 20);
}
