// Shared text heuristics for the templated parties (oracle agent, scripted user): consent detection,
// first-person rewriting of task instructions, id extraction. Deterministic, documented rules.

/** A customer reply that grants permission (and does not start by refusing). */
export function isAffirmative(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (/^(no|nope|don't|do not|not)\b/.test(t)) return false;
  return /\b(yes|yeah|yep|confirm|confirmed|sure|go ahead|proceed|please do|correct|ok|okay)\b/.test(t);
}

/** Order ids (#W1234567), item ids (10 digits) and payment method ids mentioned in a text. */
export function mentionedIds(text: string): string[] {
  return text.match(/#W\d+|\b\d{10}\b|\b(?:credit_card|gift_card|paypal)_\d+\b/g) ?? [];
}

const OBJECT_CONTEXT = /\b(to|for|with|at|from|of|than|let|help|give|tell|ask|by|about|thank|call|contact|send|told|asks?|gives?)\s*$/i;

/**
 * Rewrites a second-person task instruction ("You want to return ...") in the first person
 * ("I want to return ..."), dropping sentences that only state the customer's identity or
 * personality (identity is given when the agent asks for it).
 */
export function firstPersonRequest(instruction: string, identity: string[]): string {
  const sentences = instruction.split(/(?<=[.!?;])\s+/).map((s) => s.trim()).filter(Boolean);
  const kept = sentences.filter((s) => {
    if (/^your (name|zip|email|user id|e-mail)/i.test(s)) return false;
    if (isPersonalityList(s)) return false;
    if (/^you are\b/i.test(s) && identity.some((w) => w && s.includes(w)) && s.split(/\s+/).length <= 8) return false;
    // Role-play directives for an LLM simulator, not part of the request itself.
    if (/^(try|be |if |in the end|eventually|after all|emphasize|insist|threaten|but before|initially|you are (very |a bit |quite )?[a-z-]+\.?$)/i.test(s)) return false;
    return true;
  });
  return kept.map((s) => flipSentence(s.replace(/^tell (the )?(customer service )?agent that /i, ''))).join(' ');
}

/** "You are outgoing, flexible and pessimistic." (checked by splitting: no backtracking regex). */
function isPersonalityList(s: string): boolean {
  const m = /^you are (.*)$/i.exec(s.replace(/\.$/, ''));
  if (!m) return false;
  const words = m[1].split(/,\s*|\s+and\s+/).map((w) => w.replace(/^and\s+/i, '').trim());
  return words.length > 0 && words.every((w) => /^[a-z-]+$/i.test(w));
}

const OBJECT_FOLLOWS = /^\s*(?:(?:from|to|with|for|about|the|a|an)\b|[,.;!?]|$)/i;

function flipSentence(s: string): string {
  const out = s.replace(/\b(you are|you're|you were|you've|you'd|you'll|yourself|yours|your|you)\b/gi, (m, _g, offset: number) => {
    const lower = m.toLowerCase();
    const map: Record<string, string> = {
      'you are': 'I am', "you're": "I'm", 'you were': 'I was', "you've": "I've", "you'd": "I'd", "you'll": "I'll",
      yourself: 'myself', yours: 'mine', your: 'my',
    };
    let r = map[lower];
    if (!r) r = OBJECT_CONTEXT.test(s.slice(0, offset)) || OBJECT_FOLLOWS.test(s.slice(offset + m.length)) ? 'me' : 'I';
    return m[0] === m[0].toUpperCase() ? r[0].toUpperCase() + r.slice(1) : r;
  });
  return out[0].toUpperCase() + out.slice(1);
}
