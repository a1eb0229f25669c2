/**
 * Turns what a person typed into words. Chat apps and phones substitute characters freely (full-width letters,
 * smart quotes, the Unicode minus), so text is folded to plain ASCII punctuation first.
 */
export function normalizeInput(raw: string): string {
  return raw
    .normalize("NFKC")
    .replace(/[\u2212\u2012\u2013\u2014]/g, "-")
    .replace(/[\u201c\u201d\u201e\u00ab\u00bb]/g, '"')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\u00a0/g, " ")
    .trim();
}

export interface Token {
  text: string;
  /** Typed inside "double quotes": taken literally, never read as a keyword. */
  quoted: boolean;
}

export interface Tokenized {
  tokens: Token[];
  /** Set when a quote was opened and never closed. */
  unterminatedQuote: boolean;
}

/** Splits on white space, keeping "double quoted" runs as one word (without the quotes). */
export function tokenize(text: string): Tokenized {
  const tokens: Token[] = [];
  let current = "";
  let inQuote = false;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') {
      inQuote = !inQuote;
      quoted = true;
      continue;
    }
    if (!inQuote && /\s/.test(ch)) {
      if (current.length > 0 || quoted) tokens.push({ text: current, quoted });
      current = "";
      quoted = false;
      continue;
    }
    current += ch;
  }
  if (current.length > 0 || quoted) tokens.push({ text: current, quoted });
  return { tokens, unterminatedQuote: inQuote };
}
