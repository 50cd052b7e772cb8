/**
 * Reads an HTTP answer up to a size limit. Vault and STS answers are small; a larger body is not
 * theirs (a proxy, a login page, or something feeding the hook memory), so the read stops there
 * and the caller reports it instead of buffering it.
 */
import type { IncomingMessage } from "node:http";

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit / 1024} KiB`);
    this.name = "BodyTooLarge";
  }
}

export function readCapped(res: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      res.destroy();
      reject(new BodyTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    res.on("error", reject);
    res.on("end", () => resolve(Buffer.concat(chunks)));
  });
}
