// The mwan.yaml(5) man page: docs/configuration.md's sections in roff, checked against the config schema's fields.
import { roffEscape, header, inline } from './roff.ts';

type ZodLike = {
  _zod?: { def?: { type: string; shape?: Record<string, unknown>; innerType?: unknown; in?: unknown } };
};

/** The top-level keys of the config schema (through optional/default/pipe wrappers). */
export function topLevelFields(schema: unknown): string[] {
  let def = (schema as ZodLike)._zod?.def;
  while (def && def.type !== 'object') def = ((def.innerType ?? def.in) as ZodLike | undefined)?._zod?.def;
  return Object.keys(def?.shape ?? {});
}

const cells = (row: string) =>
  row
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

/** Markdown (headings, paragraphs, tables, lists, code blocks: what configuration.md uses) to roff. */
export function markdownToRoff(md: string): string[] {
  const out: string[] = [];
  let paragraph: string[] = [];
  let inCode = false;
  let tableHead = false;
  const flush = () => {
    if (paragraph.length) out.push('.PP', inline(paragraph.join(' ')));
    paragraph = [];
  };
  for (const line of md.split('\n')) {
    if (line.startsWith('```')) {
      flush();
      out.push(inCode ? '.fi\n.RE' : '.RS 4\n.nf');
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      out.push(roffEscape(line) || '\\&');
      continue;
    }
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (heading) {
      flush();
      if (heading[1].length === 2) out.push(`.SH "${inline(heading[2].toUpperCase().replace(/`/g, ''))}"`);
      else if (heading[1].length === 3) out.push(`.SS "${inline(heading[2].replace(/`/g, ''))}"`);
      continue;
    }
    if (line.startsWith('|')) {
      flush();
      if (/^\|\s*-/.test(line)) {
        tableHead = false;
        continue;
      }
      if (tableHead) continue;
      const [field, ...rest] = cells(line);
      if (field === 'field') {
        tableHead = true;
        continue;
      }
      const [byDefault, meaning] = rest.length >= 2 ? rest : ['', rest[0] ?? ''];
      const given = byDefault === '(required)' ? 'Required. ' : byDefault ? `Default: ${inline(byDefault)}. ` : '';
      out.push('.TP', inline(field), `${given}${inline(meaning)}`);
      continue;
    }
    if (/^- /.test(line)) {
      flush();
      out.push('.IP \\(bu 2', inline(line.slice(2)));
      continue;
    }
    if (/^ {2}\S/.test(line) && out.length && out[out.length - 2] === '.IP \\(bu 2') {
      out[out.length - 1] += ` ${inline(line.trim())}`;
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  return out;
}

export function configPage(version: string, configurationMd: string, schemaFields: string[]): string {
  const missing = schemaFields.filter((f) => !configurationMd.includes(`\`${f}\``));
  if (missing.length) throw new Error(`docs/configuration.md does not describe ${missing.join(', ')}`);
  const body = configurationMd.replace(/^# .*\n/, '');
  const lines = [
    '.SH NAME',
    'mwan.yaml \\- configuration of mwan, multi\\-WAN load balancing for Linux routers',
    '.SH SYNOPSIS',
    '.I /etc/mwan/config.yaml',
    '.SH DESCRIPTION',
    `Top-level fields: ${schemaFields.map((f) => `\\fB${roffEscape(f)}\\fR`).join(', ')}.`,
    ...markdownToRoff(body),
    '.SH SEE ALSO',
    '\\fBmwanctl\\fR(8)',
  ];
  return `${header('mwan.yaml', 5, version, 'File Formats')}${lines.join('\n')}\n`;
}
