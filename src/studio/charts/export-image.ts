// Browser-only chart exports: the chart's SVG drawn onto a canvas as PNG, and text files, downloaded.

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface PngCaption {
  title: string;
  legend: { label: string; color: string }[];
}

const CAPTION_PX = 26;

/**
 * Renders an SVG element (with its computed size) to a PNG blob on a white background, with the
 * chart's title and legend drawn above it (they are HTML around the SVG, not part of it).
 */
export async function svgToPng(svg: SVGSVGElement, caption?: PngCaption, scale = 2): Promise<Blob> {
  const { width, height } = svg.getBoundingClientRect();
  if (!width || !height) throw new Error('the chart has no size yet, so it cannot be exported');
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  const src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  const img = new Image();
  await new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the browser could not rasterise the chart SVG'));
    img.src = src;
  });
  const top = caption ? CAPTION_PX : 0;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round((height + top) * scale);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas context for the PNG export');
  g.scale(scale, scale);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, width, height + top);
  if (caption) {
    g.font = '600 13px system-ui, sans-serif';
    g.fillStyle = '#1d2330';
    g.textBaseline = 'middle';
    g.fillText(caption.title, 8, top / 2);
    g.font = '11px system-ui, sans-serif';
    let x = width - 8;
    for (const item of [...caption.legend].reverse()) {
      x -= g.measureText(item.label).width;
      g.fillStyle = '#1d2330';
      g.fillText(item.label, x, top / 2);
      x -= 16;
      g.fillStyle = item.color;
      g.fillRect(x, top / 2 - 1.5, 12, 3);
      x -= 10;
    }
  }
  g.drawImage(img, 0, top, width, height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}
