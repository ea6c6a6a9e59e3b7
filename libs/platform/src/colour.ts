/**
 * Whether to write ANSI colours to `stream`: never with NO_COLOR (https://no-color.org: set and not
 * empty), always with FORCE_COLOR (not 0), otherwise only to a terminal, so that output sent to a
 * file or a pipe carries no escape codes.
 */
export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}
