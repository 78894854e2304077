/**
 * Temp directories for the test rigs (hub, bridge, broker, history, cluster, mosquitto): each
 * rig keeps one TempDirs, makes its directories with it and removes them with it once what
 * uses them is closed, so no rig removes another's files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class TempDirs {
  private readonly dirs = new Set<string>();

  /** A fresh directory under the system's temp dir. */
  make(prefix = 'fleetwire-test-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.add(dir);
    return dir;
  }

  /** Removes every directory made so far (or only `dir`). */
  remove(dir?: string): void {
    for (const d of dir === undefined ? [...this.dirs] : [dir]) {
      rmSync(d, { recursive: true, force: true });
      this.dirs.delete(d);
    }
  }
}
