import { describe, expect, it } from 'vitest';
import { HUB_DEFAULTS, configProblem } from '../../server/config.js';

describe('hub configuration', () => {
  it('defaults are safe: loopback only, standard ports', () => {
    expect(HUB_DEFAULTS).toMatchObject({ host: '127.0.0.1', mqttPort: 1883, httpPort: 8080, tlsPort: 8883, dbFile: './data/fleetwire.db', allowAnonymous: false });
    expect(configProblem(HUB_DEFAULTS)).toBeNull();
  });

  it.each(['127.1.2.3', 'localhost', '::1'])('%s counts as loopback', (host) => expect(configProblem({ ...HUB_DEFAULTS, host })).toBeNull());

  it('refuses a non-loopback host without a users file', () => {
    expect(configProblem({ ...HUB_DEFAULTS, host: '0.0.0.0' })).toMatch(/--host 0\.0\.0\.0 is not loopback/);
    expect(configProblem({ ...HUB_DEFAULTS, host: '0.0.0.0', usersFile: 'users.json' })).toBeNull();
    expect(configProblem({ ...HUB_DEFAULTS, host: '0.0.0.0', allowAnonymous: true })).toBeNull();
  });

  it('needs both TLS files or neither', () => {
    expect(configProblem({ ...HUB_DEFAULTS, tlsCert: 'c.pem' })).toMatch(/--tls-cert and --tls-key/);
    expect(configProblem({ ...HUB_DEFAULTS, tlsCert: 'c.pem', tlsKey: 'k.pem' })).toBeNull();
  });

  it('a demo fleet behind a users file needs credentials', () => {
    expect(configProblem({ ...HUB_DEFAULTS, fleet: 5, usersFile: 'u.json' })).toMatch(/--fleet-credentials/);
  });
});
