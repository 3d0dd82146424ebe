import { useStudio } from '../store.ts';

const mib = (n: number) => `${Math.round(n / 2 ** 20).toLocaleString()} MiB`;

export function AdapterPanel() {
  const gpu = useStudio((s) => s.gpu);
  if (gpu.status === 'probing') return <aside className="adapter" data-status="probing">Looking for a WebGPU adapter…</aside>;
  if (gpu.status === 'unavailable') {
    return (
      <aside className="adapter error" data-status="unavailable" role="alert">
        <strong>No GPU.</strong> {gpu.message}
      </aside>
    );
  }
  const r = gpu.report;
  const feature = (name: keyof typeof r.features) => (
    <li key={name} className={r.features[name] ? 'on' : 'off'}>
      {name} {r.features[name] ? '✓' : '✗'}
    </li>
  );
  return (
    <aside className="adapter" data-status="ready" aria-label="WebGPU adapter">
      <h2>
        GPU: <span data-testid="adapter-vendor">{r.vendor || 'unknown vendor'}</span> · {r.architecture || 'unknown architecture'}
        {r.isFallbackAdapter && <span className="badge warn"> fallback (software) adapter — slow</span>}
      </h2>
      <p className="muted">{r.description || r.device}</p>
      <ul className="features">
        {feature('shader-f16')}
        {feature('subgroups')}
        {feature('timestamp-query')}
        {r.subgroupMinSize !== undefined && (
          <li>
            subgroup size {r.subgroupMinSize}–{r.subgroupMaxSize}
          </li>
        )}
      </ul>
      <table className="limits">
        <tbody>
          <tr><th>max storage binding</th><td>{mib(r.limits.maxStorageBufferBindingSize)}</td></tr>
          <tr><th>max buffer</th><td>{mib(r.limits.maxBufferSize)}</td></tr>
          <tr><th>workgroup storage</th><td>{(r.limits.maxComputeWorkgroupStorageSize / 1024).toFixed(0)} KiB</td></tr>
          <tr><th>invocations / workgroup</th><td>{r.limits.maxComputeInvocationsPerWorkgroup}</td></tr>
          <tr><th>storage buffers / stage</th><td>{r.limits.maxStorageBuffersPerShaderStage}</td></tr>
        </tbody>
      </table>
    </aside>
  );
}
