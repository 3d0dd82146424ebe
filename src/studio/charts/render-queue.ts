// Spreads chart redraws over separate tasks: recharts renders synchronously (its internal store
// updates cannot be time-sliced), so redrawing eight charts at once would block the main thread
// for one long task. Each queued redraw runs in its own macrotask instead.

type Job = () => void;
const queue: Job[] = [];
let scheduled = false;
const channel = typeof MessageChannel === 'undefined' ? undefined : new MessageChannel();

function pump(): void {
  scheduled = false;
  const job = queue.shift();
  if (queue.length) schedule();
  job?.();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  if (channel) channel.port2.postMessage(0);
  else setTimeout(pump, 0);
}
if (channel) channel.port1.onmessage = pump;

/** Runs `job` in a later task, after the jobs queued before it; the returned function cancels it. */
export function enqueueRender(job: Job): () => void {
  queue.push(job);
  schedule();
  return () => {
    const i = queue.indexOf(job);
    if (i >= 0) queue.splice(i, 1);
  };
}
