/**
 * @module kubelet/server/spdy/headers
 *
 * SPDY/3 header blocks: a count of name/value pairs, each length-prefixed (32 bits), compressed
 * with zlib and the SPDY dictionary. Each direction of a connection is ONE zlib stream that
 * every header block continues (flushed with Z_SYNC_FLUSH at each block's end), so both contexts
 * live as long as the session and blocks must be processed in frame order.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_HEADER_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';

/** Header names arrive lower-cased; a value holding several NUL-separated values keeps the first. */
export type SpdyHeaders = Readonly<Record<string, string>>;

/** Runs one block through a zlib stream and returns what the sync flush produced. */
function flushThrough(stream: Inflate | Deflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (chunk: Buffer) => out.push(chunk);
    const onError = (err: Error) => {
      stream.off('data', onData);
      reject(err);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    stream.write(block);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(out));
    });
  });
}

export class HeaderDecompressor {
  private readonly inflate = createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });

  async decode(block: Buffer): Promise<SpdyHeaders> {
    const raw = await flushThrough(this.inflate, block);
    const headers: Record<string, string> = {};
    let offset = 0;
    const read = (): Buffer => {
      if (offset + 4 > raw.length) throw new SpdyProtocolError('truncated header block');
      const length = raw.readUInt32BE(offset);
      offset += 4;
      if (offset + length > raw.length) throw new SpdyProtocolError('truncated header block');
      const value = raw.subarray(offset, offset + length);
      offset += length;
      return value;
    };
    if (raw.length < 4) throw new SpdyProtocolError('empty header block');
    const pairs = raw.readUInt32BE(0);
    offset = 4;
    for (let i = 0; i < pairs; i++) {
      const name = read().toString('latin1').toLowerCase();
      const value = read().toString('latin1');
      headers[name] = value.split('\0')[0] ?? '';
    }
    return headers;
  }

  close(): void {
    this.inflate.close();
  }
}

export class HeaderCompressor {
  private readonly deflate = createDeflate({ dictionary: SPDY3_HEADER_DICTIONARY });

  encode(headers: SpdyHeaders): Promise<Buffer> {
    const entries = Object.entries(headers);
    const parts: Buffer[] = [u32(entries.length)];
    for (const [name, value] of entries) {
      const n = Buffer.from(name.toLowerCase(), 'latin1');
      const v = Buffer.from(value, 'latin1');
      parts.push(u32(n.length), n, u32(v.length), v);
    }
    return flushThrough(this.deflate, Buffer.concat(parts));
  }

  close(): void {
    this.deflate.close();
  }
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
