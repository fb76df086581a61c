import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONNECTION_STATUSES } from '../../../src/domain/connection.js';
import {
  ERROR_STATUS,
  ERROR_TEXT,
  MONEYKIT_LEGACY_LINK_ERRORS,
  MONEYKIT_LINK_ERRORS,
  MONEYKIT_LINK_STATES,
  STATE_STATUS,
  linkError,
  linkStatus,
  normalizeLink,
  parseMoneyKitTimestamp,
} from '../../../src/providers/moneykit/index.js';
import { linkSchema } from '../../../src/providers/moneykit/schemas.js';
import { onceReporter } from '../../../src/providers/unknown-values.js';
import { link } from './fake-moneykit.js';
import { specPath } from '../../helpers/specs.js';

/** Unmapped values reach the sink the adapter or verifier is given (once per value). */
const warned: string[] = [];
const report = onceReporter((i) => warned.push(`${i.provider}:${i.context}:${i.code}`));

const SPEC = specPath('moneykit/moneykit-openapi.reconstructed.json');
const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as { components: { schemas: Record<string, { enum?: string[] }> } };
const specEnum = (name: string): string[] => {
  const values = spec.components.schemas[name]?.enum;
  if (!values) throw new Error(`${name} not in the spec`);
  return values;
};

describe('MoneyKit tables against the spec', () => {
  it('PublicLinkState: every value mapped, nothing extra', () => {
    const values = specEnum('PublicLinkState');
    expect([...MONEYKIT_LINK_STATES].sort()).toEqual([...values].sort());
    expect(Object.keys(STATE_STATUS).sort()).toEqual([...values].sort());
    for (const v of values) {
      const s = STATE_STATUS[v as keyof typeof STATE_STATUS];
      expect(s === 'BY_ERROR_CODE' || CONNECTION_STATUSES.includes(s), v).toBe(true);
    }
  });

  it('PublicLinkError: every value mapped on purpose (not UNKNOWN), extras are documented legacy only', () => {
    const values = specEnum('PublicLinkError');
    expect([...MONEYKIT_LINK_ERRORS].sort()).toEqual([...values].sort());
    const legacy = new Set<string>(MONEYKIT_LEGACY_LINK_ERRORS);
    for (const v of values) {
      expect(legacy.has(v), `${v} is current, not legacy`).toBe(false);
      const status = ERROR_STATUS[v as keyof typeof ERROR_STATUS];
      expect(status, v).toBeDefined();
      expect(status, v).not.toBe('UNKNOWN');
      expect(ERROR_TEXT[v as keyof typeof ERROR_TEXT].message.length, v).toBeGreaterThan(0);
    }
    const extras = Object.keys(ERROR_STATUS).filter((k) => !values.includes(k));
    expect(extras.every((k) => legacy.has(k)), `undocumented extras: ${extras}`).toBe(true);
    expect(Object.keys(ERROR_TEXT).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  it('Product: the link products the adapter offers exist in the spec', async () => {
    const { MONEYKIT_PRODUCTS } = await import('../../../src/providers/moneykit/index.js');
    const products = specEnum('Product');
    for (const p of MONEYKIT_PRODUCTS) expect(products, p).toContain(p);
  });
});

describe('contract section 3 rows (MoneyKit)', () => {
  const rows: Array<[string, string | null, string]> = [
    ['connecting', null, 'CONNECTING'],
    ['awaiting_token_exchange', null, 'CONNECTING'],
    ['connected', null, 'CONNECTED'],
    ['deleted', null, 'DISCONNECTED'],
    ['error', 'auth_expired', 'LOGIN_REQUIRED'],
    ['error', 'invalid_credentials', 'LOGIN_REQUIRED'],
    ['error', 'user_input_incorrect', 'LOGIN_REQUIRED'],
    ['error', 'user_oauth_denied', 'LOGIN_REQUIRED'],
    ['error', 'user_setup_required', 'USER_ACTION_REQUIRED'],
    ['error', 'user_error', 'USER_ACTION_REQUIRED'],
    ['error', 'incomplete', 'USER_ACTION_REQUIRED'],
    ['error', 'no_accounts', 'USER_ACTION_REQUIRED'],
    ['error', 'institution_error', 'INSTITUTION_ERROR'],
    ['error', 'provider_error', 'PROVIDER_ERROR'],
    ['error', 'system_error', 'PROVIDER_ERROR'],
    ['error', 'payment_error', 'PROVIDER_ERROR'], // legacy, decided in status.ts
  ];
  it('the hand-written rows name every PublicLinkState and PublicLinkError of the spec', () => {
    expect([...new Set(rows.map((r) => r[0]))].sort()).toEqual([...specEnum('PublicLinkState')].sort());
    const codes = rows.map((r) => r[1]).filter((c): c is string => c !== null);
    for (const v of specEnum('PublicLinkError')) expect(codes, v).toContain(v);
  });

  it.each(rows)('%s + %s -> %s', (state, code, status) => {
    expect(linkStatus(state, code, report)).toBe(status);
    const err = linkError(state, code);
    if (state === 'error') {
      expect(err).toMatchObject({ providerCode: code, providerType: null });
      expect(err!.message.length).toBeGreaterThan(0);
    } else {
      expect(err).toBeNull();
    }
  });

  describe('anything else -> UNKNOWN, raw code kept, warned once', () => {

    it('unknown error code', () => {
      expect(linkStatus('error', 'brand_new_error', report)).toBe('UNKNOWN');
      expect(linkStatus('error', 'brand_new_error', report)).toBe('UNKNOWN');
      expect(linkError('error', 'brand_new_error')).toMatchObject({ providerCode: 'brand_new_error', displayMessage: null });
      expect(warned.filter((w) => w === 'MONEYKIT:link.error_code:brand_new_error')).toHaveLength(1);
    });

    it('unknown state', () => {
      expect(linkStatus('paused', null, report)).toBe('UNKNOWN');
      expect(linkError('paused', null)).toMatchObject({ providerCode: 'paused' });
      expect(warned).toContain('MONEYKIT:link.state:paused');
    });

    it('error state without an error code', () => {
      expect(linkStatus('error', null, report)).toBe('UNKNOWN');
      expect(linkError('error', null)?.providerCode).toBe('error');
    });

    it('an unknown value never fails parsing', () => {
      const parsed = linkSchema.parse(link({ state: 'error', error_code: 'from_the_future', provider: 'newagg' }));
      expect(normalizeLink(parsed, null, report).status).toBe('UNKNOWN');
    });
  });
});

describe('normalizeLink', () => {
  it('maps the whole link', () => {
    const state = normalizeLink(linkSchema.parse(link({ state: 'error', error_code: 'auth_expired' })), {
      institution_id: 'chase',
      name: 'Chase',
      color: '#117ACA',
    }, report);
    expect(state).toEqual({
      status: 'LOGIN_REQUIRED',
      error: {
        providerCode: 'auth_expired',
        providerType: null,
        message: ERROR_TEXT.auth_expired.message,
        displayMessage: ERROR_TEXT.auth_expired.displayMessage,
      },
      institution: { id: 'chase', name: 'Chase', logoUrl: 'https://cdn.moneykit.test/chase.png', primaryColor: '#117ACA' },
      // identity is null in the fixture: not granted
      products: ['accounts', 'transactions'],
      consentExpiresAt: null,
      lastSyncedAt: new Date('2023-02-16T09:14:11Z'),
    });
  });

  it('falls back to the link institution fields without institution details', () => {
    const state = normalizeLink(linkSchema.parse(link({ institution_avatar: '' })), null, report);
    expect(state.institution).toEqual({ id: 'chase', name: 'Chase (link)', logoUrl: null, primaryColor: null });
  });

  it('reads naive timestamps as UTC and keeps explicit zones', () => {
    expect(parseMoneyKitTimestamp('2023-02-16T09:14:11')?.toISOString()).toBe('2023-02-16T09:14:11.000Z');
    expect(parseMoneyKitTimestamp('2023-02-16T09:14:11.250')?.toISOString()).toBe('2023-02-16T09:14:11.250Z');
    expect(parseMoneyKitTimestamp('2023-02-16T09:14:11+02:00')?.toISOString()).toBe('2023-02-16T07:14:11.000Z');
    expect(parseMoneyKitTimestamp('2023-02-16T09:14:11Z')?.toISOString()).toBe('2023-02-16T09:14:11.000Z');
    expect(parseMoneyKitTimestamp('yesterday')).toBeNull();
    expect(parseMoneyKitTimestamp(null)).toBeNull();
  });
});
