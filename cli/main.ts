#!/usr/bin/env node
/** The `fleetwire` command. The only place that reads the environment and owns the process. */
import { Command } from 'commander';
import { fleetCommand } from './fleet-command.js';
import { startCommand } from './start-command.js';
import { usersCommand } from './users-command.js';

const program = new Command('fleetwire')
  .description('an IoT hub: MQTT broker, device fleet simulator, and live push to browsers')
  .addCommand(startCommand())
  .addCommand(usersCommand())
  .addCommand(fleetCommand());

await program.parseAsync(process.argv);
