// Rewrites identifiers in a user turn the way a caller reads them aloud, before espeak sees the text.
// Without it espeak reads "#W2378156" as "hash W two million three hundred…" and an email's digits as
// thousands. Ids (≥ 4 digits, or letters and digits mixed with ≥ 3 digits), emails and user names with
// underscores are spelled: digits one by one, "@" as "at", "." as "dot", "_" as "underscore".
// Prices and ordinary numbers ("$54.04", "2 items", "1,200") are left to espeak.

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

function spellDigits(run: string): string {
  return Array.from(run, (d) => DIGIT_WORDS[Number(d)]).join(' ');
}

/** letters stay words, digit runs are spelled, separators become words. */
function spellIdentifier(token: string): string {
  const parts: string[] = [];
  for (const piece of token.match(/[A-Za-z]+|\d+|[@._\-+]/g) ?? []) {
    if (/^\d+$/.test(piece)) parts.push(spellDigits(piece));
    else if (piece === '@') parts.push('at');
    else if (piece === '.') parts.push('dot');
    else if (piece === '_') parts.push('underscore');
    else if (piece === '-') parts.push('dash');
    else if (piece === '+') parts.push('plus');
    else parts.push(/^[A-Z]$/.test(piece) || /^[a-z]$/.test(piece) ? piece.toUpperCase() : piece);
  }
  return parts.join(' ');
}

function isIdentifier(core: string): boolean {
  if (/^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/.test(core)) return true; // email
  if (/^[A-Za-z0-9]+(_[A-Za-z0-9]+)+$/.test(core)) return true; // user id like yusuf_rossi_9620
  if (/^#?\d{4,}$/.test(core)) return true; // order/item ids, zip codes
  return /^#?[A-Za-z0-9]*$/.test(core) && /[A-Za-z]/.test(core) && (core.match(/\d/g)?.length ?? 0) >= 3; // W2378156
}

export function speakableText(text: string): string {
  return text.replace(/\S+/g, (token) => {
    const m = /^(["'(\[]*)(.*?)([)"'\].,;:!?]*)$/.exec(token)!;
    const [, lead, core, trail] = m as unknown as [string, string, string, string];
    if (!core || !isIdentifier(core)) return token;
    return `${lead}${spellIdentifier(core.replace(/^#/, ''))}${trail}`;
  });
}
