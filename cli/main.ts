#!/usr/bin/env node
/** The `fleetwire` command. The only place that reads the environment and owns the process. */
import { Command } from 'commander';
import { packageInfo } from '../server/package-info.js';
import { configCommand } from './config-command.js';
import { fleetCommand } from './fleet-command.js';
import { healthcheckCommand } from './healthcheck-command.js';
import { startCommand } from './start-command.js';
import { usersCommand } from './users-command.js';

const EXAMPLES = `
Examples:
  $ fleetwire start --fleet 12                  a hub with 12 simulated devices; open the dashboard it prints
  $ fleetwire start --config fleetwire.yaml     options from a file (see fleetwire.example.yaml)
  $ fleetwire config check fleetwire.yaml       what start would use, and where each value came from
  $ fleetwire users add alice --role admin      a login for the dashboard and MQTT
  $ fleetwire fleet --count 1000 --broker mqtt://127.0.0.1:1883

Run \`fleetwire <command> --help\` for a command's options.`;

const program = new Command('fleetwire')
  .description('an IoT hub: MQTT broker, device fleet simulator, and live push to browsers')
  .version(packageInfo().version, '-V, --version', 'print the version')
  .addHelpText('after', EXAMPLES);
program.commandsGroup('Run:').addCommand(startCommand()).addCommand(fleetCommand());
program.commandsGroup('Manage:').addCommand(usersCommand()).addCommand(configCommand()).addCommand(healthcheckCommand());

await program.parseAsync(process.argv);
