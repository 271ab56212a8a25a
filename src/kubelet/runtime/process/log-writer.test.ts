import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { readContainerLog } from './log-reader.js';
import { ContainerLogWriter, MAX_RECORD_CONTENT } from './log-writer.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-logw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function text(source: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const chunk of source) out += chunk.toString();
  return out;
}

describe('container log writer and reader', () => {
  it('joins lines split across chunks and cuts very long lines into partial records', async (t) => {
    const path = join(tempDir(t), '0.log');
    const writer = new ContainerLogWriter({ path });
    const out = new PassThrough();
    writer.attach(out, 'stdout');
    out.write('hel');
    out.write('lo\nwor');
    out.write(`ld\n${'x'.repeat(MAX_RECORD_CONTENT + 10)}\n`);
    out.end('tail');
    await writer.finish(1_000);
    const tags = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => l.split(' ')[2]);
    assert.deepEqual(tags, ['F', 'F', 'P', 'F', 'F']);
    assert.equal(await text(readContainerLog(path, undefined, {})), `hello\nworld\n${'x'.repeat(MAX_RECORD_CONTENT + 10)}\ntail\n`);
  });

  it('rotates by size and keeps maxFiles files; reads only the live one, as upstream', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, '0.log');
    const writer = new ContainerLogWriter({ path, maxSize: 200, maxFiles: 3 });
    for (let i = 0; i < 40; i++) writer.write('stdout', Buffer.from(`line ${i}\n`));
    writer.close();
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 3);
    assert.equal(files[0], '0.log');
    const live = await text(readContainerLog(path, undefined, {}));
    assert.match(live, /line 39\n$/);
    assert.ok(!live.includes('line 0\n'));
  });

  it('a follower sees what was written before it and what comes after, exactly once, until the end', async (t) => {
    const path = join(tempDir(t), '0.log');
    const writer = new ContainerLogWriter({ path, maxSize: 120 });
    writer.write('stdout', Buffer.from('before 1\nbefore 2\n'));
    const reading = text(readContainerLog(path, writer, { follow: true, tailLines: 1 }));
    for (let i = 0; i < 10; i++) writer.write('stderr', Buffer.from(`after ${i}\n`)); // rotates meanwhile
    await writer.finish(1_000);
    assert.equal(await reading, `before 2\n${Array.from({ length: 10 }, (_, i) => `after ${i}\n`).join('')}`);
  });

  it('reads nothing from a log that was never written', async (t) => {
    assert.equal(await text(readContainerLog(join(tempDir(t), 'none.log'), undefined, { follow: true })), '');
  });
});
