/**
 * Commander's usage errors, without what the operator typed that the CLI does not know: a mistyped
 * `--pasword=…`, a secret pasted as an extra argument or in place of a command would otherwise be
 * printed back to the terminal, its scrollback and any CI log (issue 24 item 9). An unknown option
 * keeps its name (the part before `=`), which is what the operator needs to fix it; unknown commands
 * and excess arguments are not shown at all. Values of known options are the operator's to see.
 */
export function withoutUnknownArgumentValues(message: string): string {
  return message
    .replace(/unknown option '([^']*)'/g, (_all, flag: string) => `unknown option '${optionName(flag)}'`)
    .replace(/unknown command '[^']*'/g, 'unknown command (not shown: it may hold a value)')
    .replace(/(too many arguments[^.]*\. Expected \d+ arguments? but got \d+): [^\n]*\./g, '$1 (not shown).');
}

/** `--name=value` → `--name`; `-xvalue` → `-x`: the option as declared, never what follows it. */
function optionName(flag: string): string {
  if (flag.startsWith('--')) return /^--[A-Za-z0-9-]*/.exec(flag)![0];
  return flag.slice(0, 2);
}
