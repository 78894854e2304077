/**
 * The process's logger. `--log-format auto` is pino's own pretty printer when the stream is a
 * terminal (a person is reading) and JSON lines otherwise (a collector is reading).
 */
import { type Level, type Logger, pino } from 'pino';

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Synchronous either way, so the last lines before process.exit() are never lost. The pretty
 * printer is loaded only when used: a service writing JSON never pays for it.
 */
export async function createLogger(level: Level | 'silent', format: LogFormat, stream: NodeJS.WriteStream & { readonly fd: number }): Promise<Logger> {
  const options = { level, base: { app: 'fleetwire' } };
  const pretty = format === 'pretty' || (format === 'auto' && stream.isTTY === true);
  if (!pretty) return pino(options, pino.destination({ fd: stream.fd, sync: true }));
  const { default: PinoPretty } = await import('pino-pretty');
  return pino(options, PinoPretty({ destination: stream.fd, sync: true, colorize: stream.isTTY === true, ignore: 'pid,hostname,app', translateTime: 'SYS:HH:MM:ss.l' }));
}
