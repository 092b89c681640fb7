import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';
import { connect, Socket } from 'net';

/**
 * A SCRAM-SHA-256 login over PostgreSQL's protocol 3.0 (no TLS) that proves the password as it is given, with no
 * SASLprep: what lib/pq does (v1.1.0 `conn.go:1134`, v1.12.3 `conn.go:1368` hand the password to `scram.NewClient`,
 * whose `scram.go` salts its bytes as they are), and pgconn v1.14.3 with the password `auth_scram.go:147-153` made.
 * psql cannot stand in: libpq SASLpreps the password as the server does (src/interfaces/libpq/fe-auth-scram.c
 * `scram_init`). RFC 5802 section 3: SaltedPassword = PBKDF2(password, salt, i), ClientKey = HMAC(SaltedPassword,
 * "Client Key"), ClientProof = ClientKey XOR HMAC(H(ClientKey), AuthMessage).
 *
 * @returns 'ok', or the server's error message
 */
export async function scramLogin(port: number, user: string, password: string, database = 'postgres'): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const reader = messages(socket);
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));

    const nonce = randomBytes(18).toString('base64');
    const clientFirstBare = `n=,r=${nonce}`;
    let authMessage = '';
    let serverSignature = Buffer.alloc(0);
    for (;;) {
      const { type, body } = await reader.next();
      if (type === 'E') {
        return errorMessage(body);
      }
      if (type !== 'R') {
        throw new Error(`unexpected message ${type}`);
      }
      const code = body.readInt32BE(0);
      if (code === 10) {
        const initial = Buffer.from(`n,,${clientFirstBare}`, 'utf8');
        const len = Buffer.alloc(4);
        len.writeInt32BE(initial.length);
        send(socket, 'p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len, initial]));
      } else if (code === 11) {
        const serverFirst = body.subarray(4).toString('utf8');
        const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a[0], a.slice(2)]));
        const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
        const clientKey = createHmac('sha256', salted).update('Client Key').digest();
        const storedKey = createHash('sha256').update(clientKey).digest();
        const finalWithoutProof = `c=biws,r=${attrs.r}`;
        authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
        const signature = createHmac('sha256', storedKey).update(authMessage).digest();
        const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
        serverSignature = createHmac('sha256', createHmac('sha256', salted).update('Server Key').digest()).update(authMessage).digest();
        send(socket, 'p', Buffer.from(`${finalWithoutProof},p=${proof.toString('base64')}`, 'utf8'));
      } else if (code === 12) {
        if (body.subarray(4).toString('utf8') !== `v=${serverSignature.toString('base64')}`) {
          throw new Error('the server\'s signature does not match');
        }
      } else if (code === 0) {
        send(socket, 'X', Buffer.alloc(0));
        return 'ok';
      } else {
        throw new Error(`unexpected authentication request ${code}`);
      }
    }
  } finally {
    socket.destroy();
  }
}

function send(socket: Socket, type: string, body: Buffer): void {
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(4 + body.length, 1);
  socket.write(Buffer.concat([header, body]));
}

/** An ErrorResponse's message field (`M`). */
function errorMessage(body: Buffer): string {
  for (const field of body.toString('utf8').split('\0')) {
    if (field.startsWith('M')) {
      return field.slice(1);
    }
  }
  return body.toString('utf8');
}

/** The backend's messages on `socket`, one at a time. */
function messages(socket: Socket): { next: () => Promise<{ type: string; body: Buffer }> } {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let failure: Error | undefined;
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  });
  socket.on('error', (e) => {
    failure = e;
    waiting?.();
  });
  socket.on('close', () => {
    failure ??= new Error('the server closed the connection');
    waiting?.();
  });
  return {
    next: async () => {
      for (;;) {
        if (buffered.length >= 5 && buffered.length >= 1 + buffered.readInt32BE(1)) {
          const end = 1 + buffered.readInt32BE(1);
          const message = { type: String.fromCharCode(buffered[0]), body: buffered.subarray(5, end) };
          buffered = buffered.subarray(end);
          return message;
        }
        if (failure) {
          throw failure;
        }
        await new Promise<void>((resolve) => { waiting = resolve; });
        waiting = undefined;
      }
    },
  };
}
