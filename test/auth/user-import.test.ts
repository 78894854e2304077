/** Import files: CSV (RFC 4180) and JSON, and one line naming the entry for each bad one. */
import { describe, expect, it } from 'vitest';
import { parseImport } from '../../auth/index.js';
import { parseCsv } from '../../auth/user-import.js';

describe('parseCsv', () => {
  it.each([
    ['a,b\r\nc,d\n', [['a', 'b'], ['c', 'd']]],
    ['"x, y","say ""hi"""\n', [['x, y', 'say "hi"']]],
    ['"two\nlines",z', [['two\nlines', 'z']]],
    ['a,,b', [['a', '', 'b']]],
  ])('%j', (text, rows) => {
    expect(parseCsv(text)).toEqual(rows);
  });

  it('refuses an unterminated quote', () => {
    expect(() => parseCsv('"open,x\n')).toThrow(/quoted field is not closed/);
  });
});

describe('parseImport', () => {
  it('reads CSV with a header, patterns separated by spaces, and passwords kept as written', () => {
    const csv = '\uFEFFname,role,password,publish,subscribe\r\nplug1,device," p,w ",tele/%u/# stat/%u/#,cmnd/%u/#\r\nann,viewer,pw2,,\r\n\r\n';
    expect(parseImport(csv)).toEqual([
      { name: 'plug1', role: 'device', password: ' p,w ', publish: ['tele/%u/#', 'stat/%u/#'], subscribe: ['cmnd/%u/#'] },
      { name: 'ann', role: 'viewer', password: 'pw2' },
    ]);
  });

  it('reads JSON as a list or as {"users": [...]}', () => {
    const list = [{ name: 'd1', role: 'device', password: 'pw', publish: ['extra/%c'] }];
    expect(parseImport(JSON.stringify(list))).toEqual(list);
    expect(parseImport(JSON.stringify({ users: list }))).toEqual(list);
  });

  it.each([
    ['a CSV without a password column', 'name,role\nd1,device\n', /header row needs the columns name, role and password/],
    ['an unknown CSV column', 'name,role,password,group\nd1,device,pw,x\n', /unknown column 'group'/],
    ['a short CSV row', 'name,role,password\nd1,device,pw\nd2,device\n', /line 3: 2 fields, the header has 3/],
    ['a bad role', 'name,role,password\nd1,root,pw\n', /line 2: role "root" is not one of device, viewer, admin/],
    ['an empty password', 'name,role,password\nd1,device,\n', /line 2: password of 'd1' must be 1 to 1024 characters/],
    ['a bad device name', 'name,role,password\nd/1,device,pw\n', /line 2: device user 'd\/1' must be a device id/],
    ['a bad pattern', 'name,role,password,publish\nd1,device,pw,a/#/b\n', /line 2: publish: pattern 'a\/#\/b' is not an MQTT filter/],
    ['JSON that is not a list', '{"name":"d1"}', /expected a JSON list of users/],
    ['a JSON entry without a password', '[{"name":"d1","role":"device"}]', /users\[0\] \('d1'\): no password/],
    ['JSON patterns that are not a list', '[{"name":"d1","role":"device","password":"p","subscribe":"x/#"}]', /subscribe must be a list of topic patterns/],
    ['broken JSON', '[{"name":', /not valid JSON/],
  ])('names the problem in %s', (_what, text, message) => {
    expect(() => parseImport(text)).toThrow(message);
  });
});
