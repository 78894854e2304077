/**
 * `fleetwire users add|import|remove|list`: manages the users file the broker and the browser
 * endpoints log people and devices in with. A running hub picks the changes up by itself.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { type NewUser, ROLES, type Role, addUsers, loadUsers, parseImport, removeUser } from '../auth/index.js';

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

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

interface AddFlags {
  role: Role;
  password?: string;
  generatePasswords?: boolean;
  publish?: string[];
  subscribe?: string[];
  usersFile: string;
}

/** Says, per user, whether it was added or updated. */
function report(file: string, users: readonly NewUser[], added: readonly string[], out: NodeJS.WritableStream): void {
  const isNew = new Set(added);
  for (const u of users) out.write(`${isNew.has(u.name) ? 'added' : 'updated'} ${u.role} '${u.name}' in ${file}\n`);
}

function addCommand(): Command {
  return new Command('add')
    .description('add users, or change the role, patterns and password of existing ones (one write for all)')
    .argument('<names...>', 'user names; for a device, its device id (it must connect with that client id)')
    .addOption(new Option('--role <role>', 'what the users may do').choices(ROLES).env('FLEETWIRE_USER_ROLE').makeOptionMandatory())
    .addOption(new Option('--password <password>', 'the password, the same for every name; prompted on stdin when not given').env('FLEETWIRE_PASSWORD'))
    .addOption(new Option('--generate-passwords', 'give each user a random password, printed as CSV lines name,password on stdout').conflicts('password'))
    .addOption(new Option('--publish <pattern>', 'a topic the users may also publish on; %u is the user name, %c the client id (repeatable)').argParser(collect))
    .addOption(new Option('--subscribe <pattern>', 'a filter the users may also subscribe within; %u and %c as for --publish (repeatable)').argParser(collect))
    .addOption(usersFileOption())
    .action(async function (this: Command, names: string[], flags: AddFlags) {
      try {
        const shared = flags.generatePasswords ? undefined : (flags.password ?? (await promptPassword()));
        const patterns = { ...(flags.publish ? { publish: flags.publish } : {}), ...(flags.subscribe ? { subscribe: flags.subscribe } : {}) };
        const users: NewUser[] = names.map((name) => ({ name, role: flags.role, password: shared ?? randomBytes(18).toString('base64url'), ...patterns }));
        const added = await addUsers(flags.usersFile, users);
        if (flags.generatePasswords) for (const u of users) process.stdout.write(`${u.name},${u.password}\n`);
        report(flags.usersFile, users, added, flags.generatePasswords ? process.stderr : process.stdout);
      } catch (err) {
        fail(this, err);
      }
    });
}

function importCommand(): Command {
  return new Command('import')
    .description('add or update the users in a CSV or JSON file (name, role, password, optional publish and subscribe patterns), all or none')
    .argument('<file>', 'CSV with a header row name,role,password[,publish][,subscribe], or a JSON list of {name, role, password, publish?, subscribe?}')
    .addOption(usersFileOption())
    .action(async function (this: Command, from: string, flags: { usersFile: string }) {
      try {
        let users: NewUser[];
        try {
          users = parseImport(await readFile(from, 'utf8'));
        } catch (err) {
          throw new Error(`${from}: ${(err as Error).message}`);
        }
        const added = await addUsers(flags.usersFile, users);
        process.stdout.write(`imported ${users.length} users into ${flags.usersFile}: ${added.length} added, ${users.length - added.length} updated\n`);
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
      process.stdout.write(`${'NAME'.padEnd(width)}  ROLE    PATTERNS\n`);
      for (const u of users) {
        const patterns = [...(u.publish ?? []).map((p) => `publish ${p}`), ...(u.subscribe ?? []).map((p) => `subscribe ${p}`)].join(', ');
        process.stdout.write(`${u.name.padEnd(width)}  ${u.role.padEnd(6)}  ${patterns}`.trimEnd() + '\n');
      }
    });
}

export function usersCommand(): Command {
  return new Command('users')
    .description('manage the users who may log in (devices, viewers, admins)')
    .addCommand(addCommand())
    .addCommand(importCommand())
    .addCommand(removeCommand())
    .addCommand(listCommand());
}
