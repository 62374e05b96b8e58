import nodemailer from 'nodemailer';
import type pino from 'pino';
import type { Config } from '../config';

export interface Mail {
  to: string;
  kind: string;
  payload: Record<string, unknown>;
}

/** SMTP when SMTP_URL is configured; otherwise the mail is written to the log (local development, tests). */
export function createMailer(config: Config, log: pino.Logger) {
  const transport = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : undefined;
  return {
    async send(mail: Mail): Promise<void> {
      if (!transport) {
        log.info({ mail }, 'notification (no SMTP configured)');
        return;
      }
      await transport.sendMail({
        from: 'EduStream <no-reply@edustream.local>',
        to: mail.to,
        subject: subjectOf(mail),
        text: JSON.stringify(mail.payload, null, 2),
      });
    },
  };
}

function subjectOf(mail: Mail): string {
  const subject = mail.payload.subject;
  return typeof subject === 'string' ? subject : `EduStream: ${mail.kind.replace(/_/g, ' ')}`;
}
