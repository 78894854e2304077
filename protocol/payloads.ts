/** Payload shapes devices and the hub exchange on the contract's topics. */
import type { Json } from './message.js';

export const LED_STATES = ['on', 'off', 'blink'] as const;
export type LedState = (typeof LED_STATES)[number];
export const LED_COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;

export interface LedPayload {
  state: LedState;
  color?: string;
}

export interface CommandPayload {
  id: string;
  args: { [key: string]: Json };
}

export type AckPayload = { id: string; ok: true; result?: Json } | { id: string; ok: false; error: string };

export interface HotplugEvent {
  type: 'hotplug';
  port: number;
  action: 'attached' | 'detached';
  peripheral: string;
}

/** A firmware job's progress, published on `events`. */
export interface ProgressEvent {
  type: 'progress';
  job: string;
  percent: number;
  stage?: string;
}
