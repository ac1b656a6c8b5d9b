// The parsed command line every mwanctl command receives (its own file so commands in other files need not import cli/commands.ts).
export interface CommandArgs {
  config?: string;
  json?: boolean;
  verbose?: boolean;
  print?: boolean;
  root?: string;
  confirm?: string;
  logLevel?: string;
  /** `events --type`: event name globs; `--text`: readable lines. */
  type?: string[];
  text?: boolean;
  /** `history --since 24h --wan NAME`. */
  since?: string;
  wan?: string;
  /** `init`, `import-balance`: where to write, and whether an existing file may be replaced. */
  output?: string;
  force?: boolean;
  /** `ha --socket`: the control socket, without reading the configuration. */
  socket?: string;
  at?: string;
  args: string[];
}
