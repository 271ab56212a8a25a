import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expand } from './expansion.js';
import { serviceEnv, clusterIPServiceHost } from './service-env.js';

describe('$(VAR) expansion', () => {
  const vars: Record<string, string> = { A: 'x', B: 'y' };
  const lookup = (n: string) => vars[n];
  it('expands defined names and leaves the rest as written', () => {
    assert.equal(expand('$(A)-$(B)-$(C)', lookup), 'x-y-$(C)');
    assert.equal(expand('$$(A) $$ $', lookup), '$(A) $ $');
    assert.equal(expand('$(A', lookup), '$(A');
    assert.equal(expand('cost: $5', lookup), 'cost: $5');
  });
});

describe('service environment variables', () => {
  it('has the SERVICE_ and docker-link families, and skips headless services', () => {
    const env = serviceEnv(
      [
        { metadata: { name: 'web-api' }, spec: { clusterIP: '10.0.0.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } },
        { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
      ],
      clusterIPServiceHost,
    );
    assert.deepEqual(env, {
      WEB_API_SERVICE_HOST: '10.0.0.7',
      WEB_API_SERVICE_PORT: '80',
      WEB_API_SERVICE_PORT_HTTP: '80',
      WEB_API_PORT: 'tcp://10.0.0.7:80',
      WEB_API_PORT_80_TCP: 'tcp://10.0.0.7:80',
      WEB_API_PORT_80_TCP_PROTO: 'tcp',
      WEB_API_PORT_80_TCP_PORT: '80',
      WEB_API_PORT_80_TCP_ADDR: '10.0.0.7',
      WEB_API_PORT_53_UDP: 'udp://10.0.0.7:53',
      WEB_API_PORT_53_UDP_PROTO: 'udp',
      WEB_API_PORT_53_UDP_PORT: '53',
      WEB_API_PORT_53_UDP_ADDR: '10.0.0.7',
    });
  });

  it('uses the host the node says pods should use', () => {
    const env = serviceEnv([{ metadata: { name: 'db' }, spec: { clusterIP: '10.0.0.9', ports: [{ port: 5432 }] } }], () => '127.1.2.3');
    assert.equal(env.DB_SERVICE_HOST, '127.1.2.3');
    assert.equal(env.DB_PORT, 'tcp://127.1.2.3:5432');
  });
});
