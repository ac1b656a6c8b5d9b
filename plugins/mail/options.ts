// The mail options (zod): recipients, sender, SMTP or sendmail transport, subject prefix, coalescing and retries.
import os from 'node:os';
import { z } from 'zod';
import { invalidOptions } from '../../plugin-api/index.ts';

export const PLUGIN_NAME = 'mail';

const ADDRESS = /^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;
const address = z.string().regex(ADDRESS, 'expected an address such as ops@example.net or "NOC <ops@example.net>"');

export const sendmailSchema = z.strictObject({
  sendmail: z.literal(true),
  /** The sendmail binary; by default `sendmail` found in PATH. */
  path: z.string().startsWith('/', 'expected an absolute path').optional(),
});

export const smtpSchema = z.strictObject({
  host: z.string().min(1, 'expected the SMTP server host name or address'),
  port: z.number().int().min(1).max(65535).default(587),
  /** true: TLS from the first byte (port 465). false: plain connection, upgraded according to `starttls`. */
  secure: z.boolean().default(false),
  /** required: refuse to send unless STARTTLS succeeds; opportunistic: use it when offered; never: do not use it. */
  starttls: z.enum(['required', 'opportunistic', 'never']).default('required'),
  auth: z.strictObject({ user: z.string().min(1), pass: z.string() }).optional(),
  tls: z
    .strictObject({ rejectUnauthorized: z.boolean().default(true), servername: z.string().optional() })
    .default({ rejectUnauthorized: true }),
  /** Connection, greeting and socket time limit. */
  timeoutMs: z.number().int().min(1000).max(300_000).default(15_000),
});

export type SendmailTransportOptions = z.output<typeof sendmailSchema>;
export type SmtpTransportOptions = z.output<typeof smtpSchema>;

export const mailOptionsSchema = z.strictObject({
  /** Recipients; without them the plugin is inert. */
  to: z.union([address.transform((a) => [a]), z.array(address).min(1, 'expected at least one address')]).optional(),
  from: address.default(`mwan@${os.hostname()}`),
  /** `{ sendmail: true, path? }` or `{ host, port, secure, starttls, auth, tls }`; the local sendmail by default. */
  transport: z.unknown().optional(),
  subjectPrefix: z.string().default('[mwan]'),
  /** Changes of one WAN within this window after its first change go out as one message at the window's end. */
  coalesceMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /** Further attempts after a failed send, waiting retryDelayMs, then twice that, and so on. */
  retries: z.number().int().min(0).max(10).default(3),
  retryDelayMs: z.number().int().min(0).max(600_000).default(10_000),
});

export type MailOptions = Omit<z.output<typeof mailOptionsSchema>, 'transport'> & {
  transport: SendmailTransportOptions | SmtpTransportOptions;
};

function fail(issues: z.core.$ZodIssue[], prefix: PropertyKey[]): never {
  throw invalidOptions(PLUGIN_NAME, issues, prefix);
}

/** Validates `plugins.mail`; errors name each field as `plugins.mail.<field>` (`plugins.mail.transport.port`, ...). */
export function parseMailOptions(options: unknown): MailOptions {
  const top = mailOptionsSchema.safeParse(options ?? {}, { reportInput: true });
  if (!top.success) fail(top.error.issues, []);
  const raw = top.data.transport ?? { sendmail: true };
  const isSendmail = typeof raw === 'object' && raw !== null && 'sendmail' in raw;
  const transport = (isSendmail ? sendmailSchema : smtpSchema).safeParse(raw, { reportInput: true });
  if (!transport.success) fail(transport.error.issues, ['transport']);
  return { ...top.data, transport: transport.data };
}

export const isSendmail = (t: MailOptions['transport']): t is SendmailTransportOptions => 'sendmail' in t;
