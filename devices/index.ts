/**
 * The simulated device fleet: every device a real MQTT client speaking the wire contract
 * (docs/CONTRACT.md), with faults on demand. What the hub and the CLI use.
 */
export { createFleet, type Fleet, type FleetStats } from './fleet.js';
export { type FleetOptions, DEFAULT_MIX, FLEET_DEFAULTS, MAX_DEVICES, parseMix } from './options.js';
export { MODEL_NAMES, type ModelName, isModelName } from './models/catalogue.js';
export { FAULTS, FAULT_NAMES, type FaultName, type FaultParams, isFaultName } from './faults/catalogue.js';
export type { FaultController, FaultInfo, FaultTarget, FaultView } from './faults/controller.js';
export type { LagStats } from './scheduler.js';
export { parsePasswords, passwordCredentials } from './credentials.js';
export { FAULT_SPEC_HELP, parseFaultSpec, type FaultSpecText } from './faults/spec.js';
