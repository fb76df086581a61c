import { describe, expect, it } from 'vitest';
import { CONNECTION_STATUSES, REQUIRED_ACTION } from '../../src/domain/connection.js';

// Contract section 1, ConnectionAction, written out by hand: the table is what is under test.
const EXPECTED = {
  CONNECTING: 'NONE',
  CONNECTED: 'NONE',
  UNKNOWN: 'NONE',
  EXPIRING: 'UPDATE_LINK',
  LOGIN_REQUIRED: 'UPDATE_LINK',
  USER_ACTION_REQUIRED: 'UPDATE_LINK',
  INSTITUTION_ERROR: 'WAIT',
  PROVIDER_ERROR: 'WAIT',
  DISCONNECTED: 'RECONNECT',
};

describe('requiredAction from status', () => {
  it('names every status of the enum', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...CONNECTION_STATUSES].sort());
  });
  it.each(Object.entries(EXPECTED))('%s -> %s', (status, action) => {
    expect(REQUIRED_ACTION[status as keyof typeof REQUIRED_ACTION]).toBe(action);
  });
});
