/** What Linux says of a process under test (/proc), read without asking the process: it may be Mosquitto, or busy. */
import { readFileSync } from 'node:fs';

/** The unit of /proc's CPU times: USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** Resident memory, bytes. */
export function rssBytes(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? NaN) * 1024;
}

/** CPU time used so far, user and system, every thread included, seconds. */
export function cpuSeconds(pid: number): number {
  // proc(5): the fields after the command name (which may hold spaces, hence the last ')') are state, ppid, …; utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
