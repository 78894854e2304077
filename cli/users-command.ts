/**
 * `fleetwire users add|remove|list`: manages the users file the broker and the browser
 * endpoints log people and devices in with. Every option also reads an environment variable.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { ROLES, type Role, addUser, loadUsers, removeUser } from '../auth/index.js';

const DEFAULT_USERS_FILE = './data/users.json';

function usersFileOption(): Option {
  return new Option('--users-file <path>', 'the users file').env('FLEETWIRE_USERS_FILE').default(DEFAULT_USERS_FILE);
}

/** Reads one line from stdin; on a terminal the typed characters are not echoed. */
async function promptPassword(): Promise<string> {
  process.stderr.write('password: ');
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const lines = createInterface({ input: stdin, terminal: false });
    for await (const line of lines) {
      lines.close();
      return line;
    }
    return '';
  }
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  try {
    let typed = '';
    for await (const chunk of stdin) {
      for (const ch of chunk as string) {
        if (ch === '\u0003') throw new Error('interrupted');
        if (ch === '\r' || ch === '\n') return typed;
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    }
    return typed;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

function fail(cmd: Command, err: unknown): never {
  cmd.error(`error: ${(err as Error).message}`, { exitCode: 1 });
}

function addCommand(): Command {
  return new Command('add')
    .description('add a user, or change the role and password of an existing one')
    .argument('<name>', 'user name; for a device, its device id (it must connect with that client id)')
    .addOption(new Option('--role <role>', 'what the user may do').choices(ROLES).env('FLEETWIRE_USER_ROLE').makeOptionMandatory())
    .addOption(new Option('--password <password>', 'the password; prompted on stdin when not given').env('FLEETWIRE_PASSWORD'))
    .addOption(usersFileOption())
    .action(async function (this: Command, name: string, flags: { role: Role; password?: string; usersFile: string }) {
      try {
        const existed = existsSync(flags.usersFile) && loadUsers(flags.usersFile).get(name) !== undefined;
        addUser(flags.usersFile, name, flags.role, flags.password ?? (await promptPassword()));
        process.stdout.write(`${existed ? 'updated' : 'added'} ${flags.role} '${name}' in ${flags.usersFile}\n`);
      } catch (err) {
        fail(this, err);
      }
    });
}

function removeCommand(): Command {
  return new Command('remove')
    .description('remove a user')
    .argument('<name>', 'user name')
    .addOption(usersFileOption())
    .action(function (this: Command, name: string, flags: { usersFile: string }) {
      let removed: boolean;
      try {
        removed = removeUser(flags.usersFile, name);
      } catch (err) {
        fail(this, err);
      }
      if (!removed) fail(this, new Error(`no user '${name}' in ${flags.usersFile}`));
      process.stdout.write(`removed '${name}' from ${flags.usersFile}\n`);
    });
}

function listCommand(): Command {
  return new Command('list')
    .description('list users and their roles')
    .addOption(usersFileOption())
    .action(function (this: Command, flags: { usersFile: string }) {
      let users;
      try {
        users = existsSync(flags.usersFile) ? loadUsers(flags.usersFile).list() : [];
      } catch (err) {
        fail(this, err);
      }
      if (users.length === 0) {
        process.stdout.write(`no users in ${flags.usersFile}\n`);
        return;
      }
      const width = Math.max(4, ...users.map((u) => u.name.length));
      process.stdout.write(`${'NAME'.padEnd(width)}  ROLE\n`);
      for (const u of users) process.stdout.write(`${u.name.padEnd(width)}  ${u.role}\n`);
    });
}

export function usersCommand(): Command {
  return new Command('users')
    .description('manage the users who may log in (devices, viewers, admins)')
    .addCommand(addCommand())
    .addCommand(removeCommand())
    .addCommand(listCommand());
}
