/**
 * Calls back when a file changes, whether it is rewritten in place or replaced by a rename
 * (how `fleetwire users` and most editors save). Watching the directory rather than the file
 * keeps working after a rename swaps the file's inode. Bursts of events are coalesced.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Events closer together than this are one change, ms. */
const SETTLE_MS = 100;

/** Watches until the returned function is called. A watch that cannot start (no inotify slots left) is reported to `onError`, not thrown. */
export function watchFile(file: string, onChange: () => void, onError: (err: Error) => void): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        onChange();
      }, SETTLE_MS);
    });
  } catch (err) {
    onError(err as Error);
    return () => undefined;
  }
  watcher.on('error', onError);
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
