// A lab SMTP server (smtp-server, STARTTLS with its test certificate, AUTH PLAIN): prints each received message as a JSON line.
import { SMTPServer } from 'smtp-server';

// args: --bind ADDR --port P --user U --pass P
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);

const server = new SMTPServer({
  logger: false,
  authMethods: ['PLAIN'],
  onAuth(auth, _session, cb) {
    cb(auth.username === args.get('user') && auth.password === args.get('pass') ? null : new Error('bad credentials'), {
      user: auth.username,
    });
  },
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const subject = /^Subject: (.*)$/im.exec(raw)?.[1] ?? '';
      process.stdout.write(`${JSON.stringify({ at: Date.now(), secure: session.secure, subject, raw })}\n`);
      cb();
    });
  },
});
server.listen(Number(args.get('port') ?? 2525), args.get('bind') ?? '127.0.0.1', () => process.stdout.write('ready\n'));
