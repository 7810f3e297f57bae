import { describe, expect, it } from 'vitest';
import { escapeXml } from './escape.js';
import { axes, scales, seriesMarks, svgDocument, type PlotArea } from './plot.js';
import { niceTicks, tickLabel } from './ticks.js';

const AREA: PlotArea = { width: 200, height: 100, margin: { l: 20, r: 10, t: 10, b: 20 }, x: [0, 10], y: [-1, 1] };

describe('SVG chart kit', () => {
  it('round ticks cover the range in steps of 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.87, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 12, 5)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect([tickLabel(0.123456), tickLabel(25000), tickLabel(0.0002), tickLabel(0)]).toEqual(['0.1235', '2.5e+4', '2.0e-4', '0']);
  });

  it('escapes what markup would read as tags, entities or the end of an attribute', () => {
    expect(escapeXml(`a<b> & "c" 'd'`)).toBe('a&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;');
  });

  it('maps data to pixels inside the margins, larger y higher up', () => {
    const { sx, sy } = scales(AREA);
    expect([sx(0), sx(10), sy(-1), sy(1), sy(0)]).toEqual([20, 190, 80, 10, 45]);
  });

  it('draws a circle per point with its own data attributes, and the axes with a label per tick', () => {
    const svg = seriesMarks(AREA, { name: 'a<b', points: [[0, -1], [5, 0.5]], color: '#123456', pointData: (x, y) => `data-x="${x}" data-y="${y}"`, pointTitle: (x, y) => `${x}: ${y}` });
    expect([...svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)" r="[^"]+" fill="#123456" data-series="a&lt;b" data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => m.slice(1).map(Number))).toEqual([
      [20, 80, 0, -1],
      [105, 27.5, 5, 0.5],
    ]);
    expect(svg).toContain('points="20.0,80.0 105.0,27.5"');
    const frame = axes(AREA, { xTicks: [{ at: 0, label: '0' }, { at: 10, label: '10' }], xLabel: 'step' });
    expect([...frame.matchAll(/text-anchor="end" font-size="11">([^<]+)</g)].map((m) => m[1])).toEqual(['-1', '-0.5', '0', '0.5', '1']);
    expect([...frame.matchAll(/text-anchor="middle" font-size="11">([^<]+)</g)].map((m) => m[1])).toEqual(['0', '10']);
    expect(svgDocument(200, 100, 'T & U', frame)).toMatch(/^<svg [^>]*viewBox="0 0 200 100" role="img" aria-label="T &amp; U">/);
  });
});
