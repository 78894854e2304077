/**
 * The building blocks of a simulated device. A model is a list of parts (a temperature
 * sensor, a supply monitor, an LED, a port hub, the firmware updater); the device steps each
 * part once per reading and routes each command to the part that declares it.
 */
import type { Json } from '../../protocol/message.js';
import type { Rng } from '../random.js';
import type { Scheduler } from '../scheduler.js';

export type Metrics = Record<string, number>;
export type JsonObject = { [key: string]: Json };

/** What a command handler answers; the device turns it into the ack. */
export type CommandResult = { ok: true; result?: Json } | { ok: false; error: string };

/** Handles one command; `id` is the command id the ack carries. Must not throw. */
export type CommandHandler = (args: JsonObject, id: string) => CommandResult;

/** What a part may ask of the device it sits in. */
export interface PartHost {
  readonly id: string;
  /** The device's readings stream: draw from it only inside `step`, so readings replay by seed. */
  readonly rng: Rng;
  /** ms of simulated time per reading. */
  readonly intervalMs: number;
  readonly scheduler: Scheduler;
  /** Publishes a JSON event on `devices/{id}/events`. */
  event(e: { type: string } & JsonObject): void;
  /** Publishes retained state (e.g. the LED) on `topic`. */
  retain(topic: string, payload: Json): void;
  /** The device's status fields changed: publish the retained status again. */
  statusChanged(): void;
}

export interface Part {
  /** Names of the metrics `step` adds (what a Home Assistant config lists before the first reading). */
  readonly readings?: readonly string[];
  /** Adds this part's readings to `metrics`; `simMs` is simulated time since power-on. */
  step?(metrics: Metrics, simMs: number): void;
  /** Fields this part adds to the retained status payload. */
  status?(): JsonObject;
  /** Retained messages besides status to publish on every connection. */
  retained?(): Array<{ topic: string; payload: Json }>;
  commands?: Record<string, CommandHandler>;
  close?(): void;
}

/** Rounds to `digits` decimals, as real sensors report. */
export const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Checks that `args` has only the `allowed` keys; returns the error for the first stranger. */
export function unknownArgument(args: JsonObject, allowed: readonly string[]): string | null {
  const extra = Object.keys(args).find((k) => !allowed.includes(k));
  return extra === undefined ? null : `unknown argument '${extra}'`;
}

/** A mean-reverting random walk (Ornstein–Uhlenbeck): slow drift that never runs away. */
export function createDrift(rng: Rng, sd: number, tauMs: number): (dtMs: number) => number {
  let x = rng.normal(0, sd);
  return (dtMs) => {
    const k = Math.min(1, dtMs / tauMs);
    // Stationary standard deviation stays `sd`: var = σ²τ/2 with σ² = 2·sd²/τ.
    x += -x * k + rng.normal(0, sd * Math.sqrt(2 * k));
    return x;
  };
}

/** Hour of day (0–24) at simulated time `simMs` for a device that powered on at `startHour`. */
export const hourOfDay = (startHour: number, simMs: number): number => (startHour + simMs / 3_600_000) % 24;
