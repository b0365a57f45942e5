// Replacing a file atomically: what dumps and exports write with. The bytes
// go to a temporary file beside the target, are flushed, then renamed over
// it. A crash mid-write leaves the old file (or none), never half a file; a
// symlink at the target is replaced, not followed, so writing never
// overwrites whatever file the link points to.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A fresh temporary name beside `target`: `.<name>.<pid>-<random>.tmp`. In
 * the same directory, so the rename stays on one file system and is atomic.
 */
export function tempPathFor(target: string): string {
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${unique}.tmp`);
}

/**
 * Writes `data` to `target` atomically (see above).
 * @throws {Error} Node's own I/O errors (`ENOENT`, `EACCES`, `EISDIR`, `ENOSPC`, ...); the temporary file is removed
 */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const temp = tempPathFor(target);
  const fd = fs.openSync(temp, 'wx');
  try {
    try {
      for (let written = 0; written < bytes.length;) {
        written += fs.writeSync(fd, bytes, written, bytes.length - written);
      }
      // Without it a power loss after the rename can leave an empty file
      // under the final name (the rename reaches the disk before the data).
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (error) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // Already gone: the original error is the one to report.
    }
    throw error;
  }
}
