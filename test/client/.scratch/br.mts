import { connect } from 'node:http2';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { startTestCluster } from '../../support/apiserver.js';
import { parse } from 'yaml';
const c = await startTestCluster();
const kc = parse(readFileSync(c.api.kubeconfigPath, 'utf8'));
const b = (s: string) => Buffer.from(s, 'base64');
const u = new URL(c.api.url);
let sock: tls.TLSSocket | undefined;
const s = connect(c.api.url, { createConnection: () => (sock = tls.connect({ host: u.hostname, port: Number(u.port), ca: b(kc.clusters[0].cluster['certificate-authority-data']), cert: b(kc.users[0].user['client-certificate-data']), key: b(kc.users[0].user['client-key-data']), ALPNProtocols: ['h2'] })) });
s.on('connect', () => console.log('connected, bytesRead', sock!.bytesRead, (s.socket as any).bytesRead));
await new Promise((r) => s.once('connect', r));
for (let i = 0; i < 3; i++) {
  await new Promise<void>((res) => { const st = s.request({ ':path': '/api/v1/namespaces' }); st.on('data', () => {}); st.on('end', () => res()); });
  console.log('after req', sock!.bytesRead, (s.socket as any).bytesRead);
}
await new Promise<void>((r) => s.ping((e, d) => { console.log('ping', e, d); r(); }));
console.log('after ping', sock!.bytesRead);
s.destroy(); await c.close();
