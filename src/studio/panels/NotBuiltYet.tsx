// Stands in for a panel whose issue has not landed: says plainly what it will do and that it is not built yet.
export function NotBuiltYet({ title, purpose }: { title: string; purpose: string }) {
  return (
    <div className="placeholder">
      <h2>{title}</h2>
      <p>Here you will {purpose}.</p>
      <p className="not-built">Not built yet.</p>
    </div>
  );
}
