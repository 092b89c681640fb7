import * as net from 'net';
import * as tls from 'tls';

/** What a RESP2 reply parses to; error replies become an `Error` value (never thrown mid-pipeline). */
export type RespValue = string | number | null | Error | RespValue[];

/** One RESP2 reply starting at `at`, or undefined when it has not fully arrived. */
function parseReply(buf: Buffer, at: number): { value: RespValue; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.subarray(at + 1, eol).toString();
  switch (String.fromCharCode(buf[at])) {
    case '+': return { value: line, end: eol + 2 };
    case '-': return { value: new Error(line), end: eol + 2 };
    case ':': return { value: Number(line), end: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.subarray(eol + 2, eol + 2 + n).toString(), end: eol + 4 + n };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buf.subarray(at, at + 40).toString())}`);
  }
}

const encode = (args: string[]) => Buffer.concat([
  Buffer.from(`*${args.length}\r\n`),
  ...args.flatMap((a) => [Buffer.from(`$${Buffer.byteLength(a)}\r\n`), Buffer.from(a), Buffer.from('\r\n')]),
]);

/**
 * Send `commands` to the server of a `redis://` or `rediss://` URL (host and port only; no AUTH/SELECT is implied,
 * send them yourself) as one pipeline, and return one reply per command, error replies as `Error` values.
 */
export async function redisCommands(urlText: string, commands: string[][], options: { ca?: string; timeoutMs?: number } = {}): Promise<RespValue[]> {
  const url = new URL(urlText);
  const host = url.hostname;
  const port = Number(url.port || 6379);
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise<RespValue[]>((resolve, reject) => {
    const socket: net.Socket = url.protocol === 'rediss:'
      ? tls.connect({ host, port, ca: options.ca, servername: net.isIP(host) ? undefined : host })
      : net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const replies: RespValue[] = [];
    const fail = (e: Error) => {
      socket.destroy();
      reject(e);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no complete answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => socket.write(Buffer.concat(commands.map(encode))));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        for (let r = parseReply(buf, 0); r; r = parseReply(buf, 0)) {
          replies.push(r.value);
          buf = buf.subarray(r.end);
        }
      } catch (e) {
        fail(e as Error);
        return;
      }
      if (replies.length === commands.length) {
        socket.destroy();
        resolve(replies);
      }
    });
    socket.on('error', fail);
    socket.on('close', () => reject(new Error(`connection closed after ${replies.length} of ${commands.length} replies`)));
  });
}
