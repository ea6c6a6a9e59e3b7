/**
 * Usernames as people type them. Chosen: Unicode NFC (so NFC and NFD `josé` are one user, on create
 * and at sign-in) plus a mixed-script refusal on create (UTS #39 "single script", simplified): the
 * letters of one username come from one script, so a Cyrillic `а` cannot sit inside `alice`.
 * Not full PRECIS UsernameCaseMapped (RFC 8265): no case mapping (Alice and alice stay two users, as
 * they were), and no whole-script confusable check (an all-Cyrillic look-alike passes).
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFC');
}

/** Scripts of the letters (Common and Inherited ones, digits and punctuation, belong to every script). */
const SCRIPTS: [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  // Japanese and Korean mix Han with their own scripts: one writing system each.
  ['CJK', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/u],
];

/** The scripts a username's letters come from (those of scripts not listed count as one, 'Other'). */
export function scriptsOf(username: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of username) {
    if (/\p{L}/u.test(char)) scripts.add(SCRIPTS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'Other');
  }
  return scripts;
}

export function isMixedScript(username: string): boolean {
  return scriptsOf(username).size > 1;
}
