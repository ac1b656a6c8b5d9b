// Tests the mail options (fields named in errors, defaults), their mapping to nodemailer, and duration wording.
import assert from 'node:assert/strict';
import { formatDuration, parseMailOptions, transportConfig } from './index.ts';

describe('mail options', () => {
  it('validates options, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ to: ['noc@example.net', 'not an address'] }, /plugins\.mail\.to\[1\]: got "not an address"/],
      [{ to: 'a@b.c', coalesceMs: -1 }, /plugins\.mail\.coalesceMs: got -1/],
      [{ to: 'a@b.c', transport: { host: 'smtp.example.net', port: 'x' } }, /plugins\.mail\.transport\.port: got "x"/],
      [
        { to: 'a@b.c', transport: { host: 'smtp.example.net', starttls: 'always' } },
        /plugins\.mail\.transport\.starttls: got "always"/,
      ],
      [{ to: 'a@b.c', transport: { host: 'h', auth: { user: 'u' } } }, /plugins\.mail\.transport\.auth\.pass/],
      [
        { to: 'a@b.c', transport: { sendmail: true, path: 'sendmail' } },
        /plugins\.mail\.transport\.path: got "sendmail"; expected an absolute path/,
      ],
      [{ to: 'a@b.c', transport: { sendmail: true, host: 'h' } }, /plugins\.mail\.transport: unknown field "host"/],
      [{ to: 'a@b.c', transport: {} }, /plugins\.mail\.transport\.host/],
      [{ to: 'a@b.c', subject: 'x' }, /plugins\.mail: unknown field "subject"/],
    ];
    for (const [options, pattern] of bad)
      assert.throws(() => parseMailOptions(options), pattern, JSON.stringify(options));
  });

  it('applies defaults and maps the transport to nodemailer', () => {
    const sendmail = parseMailOptions({
      to: 'noc@example.net',
      transport: { sendmail: true, path: '/usr/sbin/sendmail' },
    });
    assert.deepEqual(sendmail.to, ['noc@example.net']);
    assert.deepEqual(transportConfig(sendmail.transport), {
      sendmail: true,
      newline: 'unix',
      path: '/usr/sbin/sendmail',
    });
    assert.deepEqual(parseMailOptions({ to: 'a@b.c' }).transport, { sendmail: true });
    const smtp = parseMailOptions({ to: 'a@b.c', transport: { host: 'smtp.example.net' } });
    assert.deepEqual(
      { ...smtp, from: undefined },
      {
        to: ['a@b.c'],
        from: undefined,
        subjectPrefix: '[mwan]',
        coalesceMs: 30_000,
        retries: 3,
        retryDelayMs: 10_000,
        transport: {
          host: 'smtp.example.net',
          port: 587,
          secure: false,
          starttls: 'required',
          tls: { rejectUnauthorized: true },
          timeoutMs: 15_000,
        },
      },
    );
    assert.deepEqual(transportConfig(smtp.transport), {
      host: 'smtp.example.net',
      port: 587,
      secure: false,
      requireTLS: true,
      opportunisticTLS: false,
      ignoreTLS: false,
      tls: { rejectUnauthorized: true },
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 15_000,
    });
    const never = transportConfig(
      parseMailOptions({ to: 'a@b.c', transport: { host: 'h', starttls: 'never' } }).transport,
    );
    assert.equal((never as { ignoreTLS: boolean }).ignoreTLS, true);
  });

  it('formats durations for people', () => {
    assert.deepEqual([850, 12_340, 125_000, 7_380_000, 100_800_000].map(formatDuration), [
      '850 ms',
      '12.3 s',
      '2 min 5 s',
      '2 h 3 min',
      '1 d 4 h',
    ]);
  });
});
