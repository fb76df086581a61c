import { describe, expect, it } from 'vitest';
import { isCalendarDate } from '../../src/domain/transaction.js';

describe('isCalendarDate', () => {
  it.each(['2026-01-01', '2026-12-31', '2024-02-29', '2000-02-29', '2026-04-30', '0001-01-01', '9999-12-31'])('%s is a date', (s) =>
    expect(isCalendarDate(s)).toBe(true),
  );
  it.each([
    '2026-02-29', // not a leap year
    '1900-02-29', // divisible by 100, not by 400
    '2026-04-31',
    '2026-06-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-01-32',
    '2026-1-01',
    ' 2026-01-01',
    '2026-01-01T00:00:00Z',
    '20260101',
    '',
  ])('%j is not', (s) => expect(isCalendarDate(s)).toBe(false));
});
