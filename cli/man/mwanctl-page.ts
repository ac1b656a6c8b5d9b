// The mwanctl(8) man page, from the same command texts as --help (cli/cli-spec.ts).
import { COMMAND_SPECS, GLOBAL_FLAGS, PROGRAM, type FlagSpec } from '../cli-spec.ts';
import { roffEscape, header, inline } from './roff.ts';

/** `-c, --config <file>` → `\fB\-c\fR, \fB\-\-config\fR \fIfile\fR`. */
function flagSyntax(flags: string): string {
  return flags
    .split(/,\s*/)
    .map((part) => {
      const [flag, value] = part.split(' ');
      return `\\fB${roffEscape(flag)}\\fR${value ? ` \\fI${roffEscape(value.replace(/[<>]/g, ''))}\\fR` : ''}`;
    })
    .join(', ');
}

const flagItems = (flags: readonly FlagSpec[]) => flags.flatMap((f) => ['.TP', flagSyntax(f.flags), inline(f.help)]);

export function mwanctlPage(version: string): string {
  const lines = [
    '.SH NAME',
    `mwanctl \\- ${roffEscape(PROGRAM.summary)}`,
    '.SH SYNOPSIS',
    '.B mwanctl',
    '[\\fB\\-c\\fR \\fIfile\\fR] \\fIcommand\\fR [\\fIargs\\fR]',
    '.br',
    '.B mwanctl',
    '[\\fB\\-h\\fR | \\fB\\-V\\fR] | \\fBhelp\\fR [\\fIcommand\\fR]',
    '.SH DESCRIPTION',
    inline(PROGRAM.description),
    '.SH OPTIONS',
    ...flagItems(GLOBAL_FLAGS),
    '.TP',
    flagSyntax('-h, --help'),
    'Print the usage (of a command, after it).',
    '.TP',
    flagSyntax('-V, --version'),
    'Print the version.',
    '.SH COMMANDS',
  ];
  for (const c of COMMAND_SPECS) {
    const args = (c.args ?? []).map((a) => ` \\fI${roffEscape(a.name.replace(/[<>]/g, ''))}\\fR`).join('');
    const flags = (c.flags ?? []).map((f) => ` [${flagSyntax(f.flags.split(', ').at(-1)!)}]`).join('');
    lines.push(
      '.TP',
      `\\fB${c.name}\\fR${args}${flags}`,
      `${inline(c.summary)}.${c.details ? ` ${inline(c.details)}` : ''}${c.root ? ' Needs root (CAP_NET_ADMIN).' : ''}`,
    );
    for (const a of c.args ?? [])
      if (a.choices)
        lines.push('.br', `\\fI${roffEscape(a.name.replace(/[<>]/g, ''))}\\fR: ${roffEscape(a.choices.join(', '))}`);
    if (c.flags?.length) lines.push('.RS', ...flagItems(c.flags), '.RE');
  }
  lines.push(
    '.SH EXIT STATUS',
    inline(PROGRAM.exitStatus),
    '.SH FILES',
    '.TP',
    '.I /etc/mwan/config.yaml',
    'The configuration, see \\fBmwan.yaml\\fR(5).',
    '.TP',
    '.I /run/mwan',
    'The default state directory: WANs taken down by hand, sysctl values to restore, the daemon lock.',
    '.SH SEE ALSO',
    '\\fBmwan.yaml\\fR(5), \\fBnft\\fR(8), \\fBip\\fR(8), \\fBsystemctl\\fR(1)',
  );
  return `${header('mwanctl', 8, version, 'System Administration')}${lines.join('\n')}\n`;
}
