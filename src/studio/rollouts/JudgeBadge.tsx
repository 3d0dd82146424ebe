// A judge score as a coloured badge: −1 red, 0 grey, +1 green; the rationale on hover (title).
export function JudgeBadge({ score, rationale, flagged }: { score: number | undefined; rationale?: string; flagged?: boolean }) {
  const label = score === undefined ? 'n/a' : score > 0 ? '+1' : score < 0 ? '−1' : '0';
  const kind = score === undefined ? 'none' : score > 0 ? 'plus' : score < 0 ? 'minus' : 'zero';
  return (
    <span className={`judge-badge ${kind}${flagged ? ' flagged' : ''}`} data-score={score ?? ''} title={rationale} aria-label={`judge score ${label}${rationale ? `: ${rationale}` : ''}`}>
      {label}
    </span>
  );
}
