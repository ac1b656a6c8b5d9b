// Sends composed messages one at a time through a nodemailer transport, retrying a bounded number of times; never throws.
import { describeError, type Logger } from '../../plugin-api/index.ts';
import type { Message } from './compose.ts';

/** The part of a nodemailer transporter the sender uses (tests may pass their own). */
export interface Transporter {
  sendMail(mail: { from: string; to: string[]; subject: string; text: string }): Promise<{ messageId?: string }>;
  close(): void;
}

export interface SenderOptions {
  from: string;
  to: string[];
  retries: number;
  retryDelayMs: number;
}

export class MailSender {
  private chain: Promise<void> = Promise.resolve();
  private closing = false;
  private readonly wakers = new Set<() => void>();
  /** Messages given up on (after every attempt failed); for status and tests. */
  failed = 0;
  sent = 0;

  constructor(
    private readonly transport: Transporter,
    private readonly options: SenderOptions,
    private readonly log: Logger,
  ) {}

  /** Queues a message; returns at once. */
  send(message: Message): void {
    this.chain = this.chain.then(() => this.deliver(message));
  }

  /** Resolves when every queued message was sent or given up on. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async deliver(message: Message): Promise<void> {
    const { from, to, retries, retryDelayMs } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await this.transport.sendMail({ from, to, subject: message.subject, text: message.text });
        this.sent++;
        this.log.info(
          { plugin: 'mail', to, subject: message.subject, messageId: info.messageId, attempt },
          'mail sent',
        );
        return;
      } catch (error) {
        const fields = { plugin: 'mail', to, subject: message.subject, attempt, err: describeError(error) };
        if (attempt > retries || this.closing) {
          this.failed++;
          this.log.error(fields, `cannot send mail after ${attempt} attempt(s); giving up: ${describeError(error)}`);
          return;
        }
        const delay = retryDelayMs * 2 ** (attempt - 1);
        this.log.warn(fields, `cannot send mail (${describeError(error)}); retrying in ${delay} ms`);
        await this.sleep(delay);
      }
    }
  }

  /** Waits `ms`, or less when the sender is closing. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Stops waiting between retries, lets queued messages go for at most `waitMs`, then closes the transport. */
  async close(waitMs: number): Promise<void> {
    this.closing = true;
    for (const wake of [...this.wakers]) wake();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    const done = await Promise.race([this.chain.then(() => true), bound]);
    clearTimeout(timer);
    if (!done) this.log.warn({ plugin: 'mail' }, `mail still unsent after ${waitMs} ms at shutdown; dropped`);
    this.transport.close();
  }
}
