// The real mail transport of the system boundary: nodemailer over SMTP or the local sendmail, loaded only when mail is configured.
import type { TransportConfig } from 'nodemailer';
import type { MailService, MailTransport, MailTransportOptions } from './system.ts';

const isSendmail = (t: MailTransportOptions): t is Extract<MailTransportOptions, { sendmail: true }> => 'sendmail' in t;

/** nodemailer's transport options for a validated transport. */
export function transportConfig(t: MailTransportOptions): TransportConfig {
  if (isSendmail(t)) return { sendmail: true, newline: 'unix', ...(t.path ? { path: t.path } : {}) };
  return {
    host: t.host,
    port: t.port,
    secure: t.secure,
    requireTLS: !t.secure && t.starttls === 'required',
    opportunisticTLS: t.starttls === 'opportunistic',
    ignoreTLS: t.starttls === 'never',
    ...(t.auth ? { auth: { user: t.auth.user, pass: t.auth.pass } } : {}),
    tls: {
      rejectUnauthorized: t.tls.rejectUnauthorized,
      ...(t.tls.servername ? { servername: t.tls.servername } : {}),
    },
    connectionTimeout: t.timeoutMs,
    greetingTimeout: t.timeoutMs,
    socketTimeout: t.timeoutMs,
  };
}

export const systemMail: MailService = {
  // nodemailer is loaded only when mail is configured: it is large, and most routers do not send mail
  async open(options) {
    return (await import('nodemailer')).createTransport(transportConfig(options)) as MailTransport;
  },
};
