// Runs a user script (argv, environment, time limit) without ever blocking the daemon.
export interface ScriptResult { exitCode: number | null; signal: string | null; timedOut: boolean; ms: number; stderr: string }

export async function runScript(file: string, env: Record<string, string>, timeoutMs: number): Promise<ScriptResult> {
  throw new Error(`runScript(${file}, ${Object.keys(env).length} variables, ${timeoutMs} ms) is not implemented yet`);
}
