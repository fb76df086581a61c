import { describe, expect, it } from 'vitest';
import { accountRowId } from '../../src/domain/account.js';
import { isCalendarDate, transactionRowId } from '../../src/domain/transaction.js';

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

describe('derived row ids', () => {
  // Stored ids must never change between versions (contract section 7: stable for the same
  // provider account / transaction); these values were computed by the first implementation.
  it('are the same UUID-shaped SHA-256 values as ever, whatever the case of the connection id', () => {
    expect(accountRowId('0B9F1C2E-1111-4222-8333-944455556666', 'acc-1')).toBe('e4955654-d872-848a-b1fc-cb290dd7501f');
    expect(accountRowId('0b9f1c2e-1111-4222-8333-944455556666', 'acc-1')).toBe('e4955654-d872-848a-b1fc-cb290dd7501f');
    expect(transactionRowId('0b9f1c2e-1111-4222-8333-944455556666', 'txn-1')).toBe('d2e0ca68-ab0b-80a1-92eb-d0e8cb8561b9');
  });
});
