/** Which table serves which part of a history query, and the step chosen when none is given. */
import { describe, expect, it } from 'vitest';
import { MAX_STEP, type Segment, autoStep, bucketCount, planSegments } from '../../bridge/history/query-plan.js';

const M = 60_000;
const H = 3_600_000;
const D = 86_400_000;

describe('planSegments', () => {
  const cases: [string, number, number, number, Segment[]][] = [
    ['a step below a minute reads raw points only', 0, 2 * H, 30_000, [{ source: 'raw', from: 0, to: 2 * H }]],
    ['a step that is not whole minutes reads raw points only', 0, 2 * H, 90_000, [{ source: 'raw', from: 0, to: 2 * H }]],
    ['aligned minutes read the minute rollup', 0, 2 * H, 5 * M, [{ source: 'minute', from: 0, to: 2 * H }]],
    ['aligned hours read the hour rollup', 0, 2 * D, H, [{ source: 'hour', from: 0, to: 2 * D }]],
    [
      'unaligned edges go to finer tables',
      H - M - 500,
      3 * H + M + 700,
      H,
      [
        { source: 'raw', from: H - M - 500, to: H - M },
        { source: 'minute', from: H - M, to: H },
        { source: 'hour', from: H, to: 3 * H },
        { source: 'minute', from: 3 * H, to: 3 * H + M },
        { source: 'raw', from: 3 * H + M, to: 3 * H + M + 700 },
      ],
    ],
    [
      'a range inside one hour falls back to minutes',
      10 * M + 1,
      20 * M,
      H,
      [
        { source: 'raw', from: 10 * M + 1, to: 11 * M },
        { source: 'minute', from: 11 * M, to: 20 * M },
      ],
    ],
    ['a range inside one minute is raw', 1_000, 2_000, H, [{ source: 'raw', from: 1_000, to: 2_000 }]],
  ];
  it.each(cases)('%s', (_name, from, to, step, expected) => {
    expect(planSegments(from, to, step)).toEqual(expected);
  });

  it('covers the range exactly, in order, with no overlap', () => {
    for (const [from, to, step] of [
      [123, 9 * D + 17, H],
      [M - 1, 40 * H + 1, 2 * M],
      [0, 1, D],
    ] as const) {
      const segs = planSegments(from, to, step);
      expect(segs[0]?.from).toBe(from);
      expect(segs[segs.length - 1]?.to).toBe(to);
      for (let i = 1; i < segs.length; i++) expect(segs[i]?.from).toBe(segs[i - 1]?.to);
    }
  });
});

describe('autoStep', () => {
  const cases: [string, number, number, number][] = [
    ['one day at 1,440 points is one minute', D, 1440, M],
    ['one day at 800 points rounds up to two minutes', D, 800, 2 * M],
    ['thirty days at 720 points is one hour', 30 * D, 720, H],
    ['ten seconds at 800 points is 20 ms', 10_000, 800, 20],
    ['a century is capped at the largest step', 100 * 365 * D, 10, MAX_STEP],
  ];
  it.each(cases)('%s', (_name, span, points, step) => {
    expect(autoStep(0, span, points)).toBe(step);
  });

  it('never gives more buckets than asked for, plus one for alignment', () => {
    for (const [from, span, points] of [
      [7, D, 800],
      [Date.UTC(2025, 0, 1, 0, 0, 1), 7 * D, 333],
      [5, 999, 1],
    ] as const) {
      expect(bucketCount(from, from + span, autoStep(from, from + span, points))).toBeLessThanOrEqual(points + 1);
    }
  });
});

describe('bucketCount', () => {
  it.each([
    [0, 60_000, 60_000, 1],
    [0, 60_001, 60_000, 2],
    [59_999, 60_001, 60_000, 2],
    [1, 2, 1_000, 1],
  ])('[%i, %i) at %i ms is %i buckets', (from, to, step, n) => {
    expect(bucketCount(from, to, step)).toBe(n);
  });
});
